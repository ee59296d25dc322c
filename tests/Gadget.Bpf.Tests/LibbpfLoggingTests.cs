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

    [Fact]
    public void WhatLibbpfSaysWhileOpeningReachesTheLoggerOfTheOptions()
    {
        var logger = new CapturingLogger();
        var bytes = TestObjects.Bytes(TestObjects.SyscallEvents);
        // A truncated ELF: libbpf's open says why before it fails, and that goes to the spec's logger.
        var error = Assert.Throws<BpfObjectFormatException>(() => BpfObjectSpec.FromBytes(bytes.AsSpan(0, bytes.Length / 3), new BpfObjectOptions { Logger = logger }));
        Assert.NotEmpty(error.LibbpfLog);
        var messages = logger.Messages.Select(m => m.Message).ToArray();
        Assert.Contains(messages, m => m.StartsWith("libbpf: ", StringComparison.Ordinal) && error.LibbpfLog.Contains(m["libbpf: ".Length..].Trim(), StringComparison.Ordinal));
    }

    [Fact]
    public void WhatLibbpfSaysWhileAProgramAttachesReachesItsObjectsLogger()
    {
        var logger = new CapturingLogger();
        using var spec = TestObjects.Open(TestObjects.AttachTests, new BpfObjectOptions { Logger = logger });
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        using var bpf = spec.Load();
        var beforeAttach = logger.Messages.Count;

        // A uprobe on a symbol libc does not have: libbpf names it while it fails to attach.
        Assert.Throws<BpfAttachException>(() => bpf.Program("count_uprobe").AttachUprobe(NativeCalls.LibcPath(), "gadget_no_such_function"));

        var duringAttach = logger.Messages.Skip(beforeAttach).Select(m => m.Message).ToArray();
        Assert.Contains(duringAttach, m => m.StartsWith("libbpf: ", StringComparison.Ordinal) && m.Contains("gadget_no_such_function", StringComparison.Ordinal));
    }
}
