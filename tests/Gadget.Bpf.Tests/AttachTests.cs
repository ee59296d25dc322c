using System.Diagnostics;

namespace Gadget.Bpf.Tests;

public sealed class AttachTests : IDisposable
{
    private const uint RawTracepointSlot = 0;
    private const uint UprobeSlot = 1;
    private const uint UretprobeSlot = 2;
    private const uint PerfEventSlot = 3;
    private const uint KprobeSlot = 4;
    private const uint AutoTracepointSlot = 5;

    private readonly BpfObject _object;
    private readonly BpfMap<uint, ulong> _hits;

    public AttachTests()
    {
        using var spec = TestObjects.Open(TestObjects.AttachTests);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        _object = spec.Load();
        _hits = _object.Map("hits").As<uint, ulong>();
    }

    public void Dispose() => _object.Dispose();

    [Fact]
    public void RawTracepointCountsThisProcessSyscallsAndStopsWhenDetached()
    {
        var link = _object.Program("count_raw_sys_enter").AttachRawTracepoint("sys_enter");
        for (var i = 0; i < 20; i++)
        {
            NativeCalls.GetParentPid();
        }
        var whileAttached = _hits[RawTracepointSlot];
        Assert.True(whileAttached >= 20, $"expected >= 20 syscalls, saw {whileAttached}");

        link.Dispose();
        var afterDetach = _hits[RawTracepointSlot];
        for (var i = 0; i < 20; i++)
        {
            NativeCalls.GetParentPid();
        }
        Assert.Equal(afterDetach, _hits[RawTracepointSlot]);
    }

    [Fact]
    public void AutoAttachFromSectionNameUsesTheSyscallTracepoint()
    {
        using var link = _object.Program("count_getppid").Attach();
        for (var i = 0; i < 7; i++)
        {
            NativeCalls.GetParentPid();
        }
        Assert.Equal(7UL, _hits[AutoTracepointSlot]);
    }

    [Fact]
    public void UprobeAndUretprobeSeeLibcGetpidCallsAndItsReturnValue()
    {
        var libc = NativeCalls.LibcPath();
        using var entry = _object.Program("count_uprobe").AttachUprobe(libc, "getpid", pid: Environment.ProcessId);
        using var exit = _object.Program("count_uretprobe").AttachUprobe(libc, "getpid", pid: Environment.ProcessId, returnProbe: true);
        for (var i = 0; i < 5; i++)
        {
            NativeCalls.GetPid();
        }
        Assert.Equal(5UL, _hits[UprobeSlot]);
        Assert.Equal(5UL, _hits[UretprobeSlot]);
        Assert.Equal((ulong)Environment.ProcessId, ReadBss<ulong>("last_return_value", 0));
    }

    [Fact]
    public void UprobeOnMissingBinaryOrSymbolFailsClearly()
    {
        var program = _object.Program("count_uprobe");
        var missing = Assert.Throws<FileNotFoundException>(() => program.AttachUprobe("/nonexistent/libfoo.so", "foo"));
        Assert.Contains("/nonexistent/libfoo.so", missing.Message);

        var noSymbol = Assert.Throws<BpfAttachException>(() => program.AttachUprobe(NativeCalls.LibcPath(), "gadget_no_such_function"));
        Assert.Contains("gadget_no_such_function", noSymbol.Target);
    }

    [Fact]
    public void PerfEventProgramRunsOnCpuClockSamples()
    {
        using var link = _object.Program("count_perf_event").AttachPerfEvent(PerfEventKind.CpuClock, cpu: 0, frequency: 1000);
        var watch = Stopwatch.StartNew();
        while (_hits[PerfEventSlot] == 0 && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.SpinWait(10000);
        }
        Assert.True(_hits[PerfEventSlot] > 0, "no perf event sample ran the program within 5 s");
    }

    [Fact]
    public void KprobeAttachesWhereTheKernelHasKprobesAndSaysWhyNotOtherwise()
    {
        var program = _object.Program("count_kprobe");
        if (KernelFeatures.Has(KernelFeatures.Kprobe))
        {
            Assert.Equal(0UL, _hits[KprobeSlot]);
            using (program.AttachKprobe("do_nanosleep"))
            {
                for (var i = 0; i < 3; i++)
                {
                    NativeCalls.NanoSleep(TimeSpan.FromMilliseconds(1));
                }
            }
            // Only this process is counted: its three nanosleeps (another thread of it could add one, never remove one).
            var hits = _hits[KprobeSlot];
            Assert.True(hits >= 3, $"the kprobe on do_nanosleep ran {hits} times for 3 nanosleeps");
            NativeCalls.NanoSleep(TimeSpan.FromMilliseconds(1));
            Assert.Equal(hits, _hits[KprobeSlot]);
            return;
        }
        var error = Assert.Throws<BpfFeatureNotSupportedException>(() => program.AttachKprobe("do_nanosleep"));
        Assert.Equal("kprobe", error.Feature);
        Assert.Contains("CONFIG_KPROBES", error.Message);
        Assert.Throws<BpfFeatureNotSupportedException>(() => program.Attach());
    }

    [Fact]
    public void MissingTracepointNamesTheTracefsPath()
    {
        var error = Assert.Throws<BpfAttachException>(() => _object.Program("count_getppid").AttachTracepoint("syscalls", "sys_enter_gadget_nonexistent"));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains("events/syscalls/sys_enter_gadget_nonexistent", error.Message);
    }

    [Fact]
    public void MissingRawTracepointFails()
    {
        var error = Assert.Throws<BpfAttachException>(() => _object.Program("count_raw_sys_enter").AttachRawTracepoint("gadget_nonexistent_tp"));
        Assert.Equal("gadget_nonexistent_tp", error.Target);
        Assert.NotEqual(0, error.Errno);
    }

    [Fact]
    public void DisposingTheObjectDetachesItsLinks()
    {
        using var spec = TestObjects.Open(TestObjects.AttachTests);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        var obj = spec.Load();
        var link = obj.Program("count_raw_sys_enter").AttachRawTracepoint("sys_enter");
        obj.Dispose();
        Assert.True(link.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => obj.Program("count_raw_sys_enter"));
        Assert.Throws<ObjectDisposedException>(() => _ = link.FileDescriptor);
    }

    [Fact]
    public void LoadAttachAndDisposeLeakNoFileDescriptors()
    {
        FdCounter.AssertNoLeak(() =>
        {
            using var spec = TestObjects.Open(TestObjects.AttachTests);
            spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
            using var obj = spec.Load();
            using var raw = obj.Program("count_raw_sys_enter").AttachRawTracepoint("sys_enter");
            using var tp = obj.Program("count_getppid").Attach();
            using var up = obj.Program("count_uprobe").AttachUprobe(NativeCalls.LibcPath(), "getpid");
            using var perf = obj.Program("count_perf_event").AttachPerfEvent(PerfEventKind.CpuClock, cpu: 0);
            NativeCalls.GetParentPid();
        });
    }

    private T ReadBss<T>(string variable, int offset)
        where T : unmanaged
    {
        var bss = _object.Maps.Single(m => m.Name.EndsWith(".bss", StringComparison.Ordinal));
        var key = new byte[4];
        var value = new byte[bss.ValueSize];
        Assert.True(bss.TryLookup(key, value), $"cannot read .bss for {variable}");
        return System.Runtime.InteropServices.MemoryMarshal.Read<T>(value.AsSpan(offset));
    }
}
