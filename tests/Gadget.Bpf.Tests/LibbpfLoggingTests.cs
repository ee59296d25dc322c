namespace Gadget.Bpf.Tests;

public class LibbpfLoggingTests
{
    [Fact]
    public void LibbpfMessagesReachTheLoggerWithOneLibbpfPrefix()
    {
        var previous = BpfEnvironment.Logger;
        var logger = new CapturingLogger();
        BpfEnvironment.Logger = logger;
        try
        {
            // A verifier rejection: libbpf says why (its lines already start with "libbpf: ").
            using var obj = TestObjects.Open(TestObjects.VerifierReject);
            Assert.Throws<BpfLoadException>(obj.Load);
        }
        finally
        {
            BpfEnvironment.Logger = previous;
        }
        var messages = logger.Messages.Select(m => m.Message).ToArray();
        // libbpf's own lines, prefixed once (not "libbpf: libbpf: prog ...").
        Assert.Contains(messages, m => m.StartsWith("libbpf: prog 'unchecked_lookup'", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.StartsWith("libbpf: libbpf: ", StringComparison.Ordinal));
    }
}
