using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>A perf event to sample with a <c>perf_event</c> BPF program: a (type, config) pair of <c>perf_event_attr</c>.</summary>
/// <param name="Type">PERF_TYPE_* (0 hardware, 1 software).</param>
/// <param name="Config">The event within the type, e.g. PERF_COUNT_SW_CPU_CLOCK.</param>
public readonly record struct PerfEventKind(uint Type, ulong Config)
{
    /// <summary>The software CPU clock (PERF_COUNT_SW_CPU_CLOCK): works without hardware counters, e.g. in VMs.</summary>
    public static PerfEventKind CpuClock => new(PerfEventAttributes.TypeSoftware, PerfEventAttributes.SoftwareCpuClock);

    /// <summary>Hardware CPU cycles (PERF_COUNT_HW_CPU_CYCLES); not available in most VMs.</summary>
    public static PerfEventKind CpuCycles => new(PerfEventAttributes.TypeHardware, 0);

    /// <inheritdoc />
    public override string ToString() => $"perf event type {Type} config {Config}";
}
