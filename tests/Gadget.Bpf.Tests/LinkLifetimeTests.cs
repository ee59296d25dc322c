namespace Gadget.Bpf.Tests;

/// <summary>What disposing links and their object does to attached programs.</summary>
public class LinkLifetimeTests
{
    [SkippableFact]
    public void DisposingAnObjectDetachesTheLinksItStillTracks()
    {
        var obj = MapsObject.Load((uint)Environment.ProcessId);
        using var count = BpfMap.OpenById(obj.Map("syscall_count").Id);
        var counter = count.As<uint, ulong>();
        var first = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        var second = obj.Program("count_syscalls_tp").AttachTracepoint("raw_syscalls", "sys_enter");
        SyscallCounting.AssertCounts(() => counter[0], "the raw tracepoint link");
        SyscallCounting.AssertCounts(() => counter[1], "the tracepoint link");

        obj.Dispose();

        Assert.True(first.IsDisposed);
        Assert.True(second.IsDisposed);
        SyscallCounting.AssertStopsCounting(() => counter[0], "the raw tracepoint link of the disposed object");
        SyscallCounting.AssertStopsCounting(() => counter[1], "the tracepoint link of the disposed object");
        first.Dispose(); // disposing again is harmless
    }

    [SkippableFact]
    public void DisposingALinkDetachesItButKeepsTheObjectUsable()
    {
        using var obj = MapsObject.Load((uint)Environment.ProcessId);
        var counter = obj.Map("syscall_count").As<uint, ulong>();
        using (obj.Program("count_syscalls").AttachRawTracepoint("sys_enter"))
        {
            SyscallCounting.AssertCounts(() => counter[0], "the attached link");
        }
        SyscallCounting.AssertStopsCounting(() => counter[0], "the disposed link");

        using var again = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        SyscallCounting.AssertCounts(() => counter[0], "the program attached again");
    }
    [SkippableFact]
    public void DisposeAllDetachesEveryLinkAndSkipsNullsDuplicatesAndDisposedOnes()
    {
        using var obj = MapsObject.Load((uint)Environment.ProcessId);
        var counter = obj.Map("syscall_count").As<uint, ulong>();
        var raw = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        var tracepoint = obj.Program("count_syscalls_tp").AttachTracepoint("raw_syscalls", "sys_enter");
        var disposed = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        disposed.Dispose();
        SyscallCounting.AssertCounts(() => counter[0], "the raw tracepoint link");
        SyscallCounting.AssertCounts(() => counter[1], "the tracepoint link");

        BpfLink.DisposeAll([raw, null, tracepoint, raw, disposed]);

        Assert.True(raw.IsDisposed);
        Assert.True(tracepoint.IsDisposed);
        SyscallCounting.AssertStopsCounting(() => counter[0], "the raw tracepoint link after DisposeAll");
        SyscallCounting.AssertStopsCounting(() => counter[1], "the tracepoint link after DisposeAll");
        BpfLink.DisposeAll([raw, tracepoint]); // again: nothing left to do
        BpfLink.DisposeAll([]);

        // The object is still usable, and its own Dispose has no link left to detach.
        using var again = obj.Program("count_syscalls_tp").AttachTracepoint("raw_syscalls", "sys_enter");
        SyscallCounting.AssertCounts(() => counter[1], "the program attached again");
    }
}
