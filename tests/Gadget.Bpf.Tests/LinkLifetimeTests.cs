namespace Gadget.Bpf.Tests;

/// <summary>What disposing links and their object does to attached programs.</summary>
public class LinkLifetimeTests
{
    [Fact]
    public void DisposingAnObjectDetachesTheLinksItStillTracks()
    {
        var obj = MapsObject.Load((uint)Environment.ProcessId);
        using var count = BpfMap.OpenById(obj.Map("syscall_count").Id);
        var counter = count.As<uint, ulong>();
        var first = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        var second = obj.Program("count_syscalls_tp").AttachTracepoint("raw_syscalls", "sys_enter");
        MakeSyscalls();
        Assert.True(counter[0] >= 100, $"raw tracepoint counted {counter[0]}");
        Assert.True(counter[1] >= 100, $"tracepoint counted {counter[1]}");

        obj.Dispose();

        Assert.True(first.IsDisposed);
        Assert.True(second.IsDisposed);
        Thread.Sleep(100);
        var afterDispose = (counter[0], counter[1]);
        MakeSyscalls();
        Thread.Sleep(100);
        Assert.Equal(afterDispose, (counter[0], counter[1]));
        first.Dispose(); // disposing again is harmless
    }

    [Fact]
    public void DisposingALinkDetachesItButKeepsTheObjectUsable()
    {
        using var obj = MapsObject.Load((uint)Environment.ProcessId);
        var counter = obj.Map("syscall_count").As<uint, ulong>();
        using (obj.Program("count_syscalls").AttachRawTracepoint("sys_enter"))
        {
            MakeSyscalls();
        }
        Thread.Sleep(100);
        var detached = counter[0];
        Assert.True(detached >= 100, $"counted {detached}");
        MakeSyscalls();
        Thread.Sleep(100);
        Assert.Equal(detached, counter[0]);

        using var again = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        MakeSyscalls();
        Assert.True(counter[0] >= detached + 100);
    }

    private static void MakeSyscalls()
    {
        for (var i = 0; i < 100; i++)
        {
            _ = File.Exists("/proc/self/status");
        }
    }
}
