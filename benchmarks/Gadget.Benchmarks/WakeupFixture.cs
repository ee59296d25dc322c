using Gadget.Bpf;

namespace Gadget.Benchmarks;

/// <summary>
/// What the wake-up benchmarks share: a <see cref="SyscallPacer"/> making <c>eventsPerSecond</c> syscalls per second and
/// <c>on_sys_enter</c> of bpf/syscall_events.bpf.c attached to <c>raw_syscalls/sys_enter</c>, filtered to the pacer's pid,
/// emitting one 216-byte record per syscall into the ring buffer <c>events</c> (output mode 0) or the perf event array
/// <c>perf_events</c> (output mode 1). Real kernel events from real syscalls, at a low, steady rate.
/// </summary>
internal sealed class WakeupFixture : IDisposable
{
    /// <summary>Events received per benchmark invocation: half a second at 1,000 events/s.</summary>
    public const int EventsPerInvoke = 500;

    private readonly SyscallPacer _pacer;
    private readonly BpfLink _link;

    public WakeupFixture(int eventsPerSecond, uint outputMode)
    {
        BpfEnvironment.EnsureTracefs();
        _pacer = new SyscallPacer(eventsPerSecond);
        try
        {
            using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(WakeupFixture).Assembly, "syscall_events.bpf.o"))
            {
                spec.SetGlobal("target_tgid", (uint)_pacer.ProcessId);
                spec.SetGlobal("output_mode", outputMode);
                Object = spec.Load();
            }
            _link = Object.Program("on_sys_enter").Attach();
        }
        catch
        {
            Object?.Dispose();
            _pacer.Dispose();
            throw;
        }
    }

    public BpfObject Object { get; }

    public void Dispose()
    {
        _link.Dispose();
        Object.Dispose();
        _pacer.Dispose();
    }
}
