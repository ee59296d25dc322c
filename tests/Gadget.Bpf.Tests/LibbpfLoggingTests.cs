namespace Gadget.Bpf.Tests;

public class LibbpfLoggingTests
{
    [Fact]
    public void LibbpfMessagesReachTheObjectsLoggerWithOneLibbpfPrefix()
    {
        var logger = new CapturingLogger();
        // A verifier rejection: libbpf says why (its lines already start with "libbpf: ").
        using (var obj = TestObjects.Open(TestObjects.VerifierReject, new BpfObjectOptions { Logger = logger }))
        {
            Assert.Throws<BpfLoadException>(obj.Load);
        }
        var messages = logger.Messages.Select(m => m.Message).ToArray();
        // libbpf's own lines, prefixed once (not "libbpf: libbpf: prog ...").
        Assert.Contains(messages, m => m.StartsWith("libbpf: prog 'unchecked_lookup'", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.StartsWith("libbpf: libbpf: ", StringComparison.Ordinal));
    }

    [Fact]
    public void AnObjectWithoutLoggerLogsNowhereAfterOneWithALoggerOnTheSameThread()
    {
        // No process-wide logger: the scope of one object's load ends with it.
        var logger = new CapturingLogger();
        using (var obj = TestObjects.Open(TestObjects.VerifierReject, new BpfObjectOptions { Logger = logger }))
        {
            Assert.Throws<BpfLoadException>(obj.Load);
        }
        var count = logger.Messages.Count;
        Assert.NotEqual(0, count);
        using (var other = TestObjects.Open(TestObjects.VerifierReject))
        {
            Assert.Throws<BpfLoadException>(other.Load);
        }
        Assert.Equal(count, logger.Messages.Count);
    }
}
