using Gadget.Bpf;

namespace Gadget.Gadgets;

/// <summary>Options of <see cref="CpuProfiler"/>.</summary>
public sealed class CpuProfilerOptions
{
    /// <summary>Samples per second on each CPU (1 to 10000; default 49, as ig's profile cpu; BCC's profile takes 49 too).</summary>
    public int Frequency { get; init; } = 49;

    /// <summary>Take the kernel stack of each sample (default true).</summary>
    public bool KernelStacks { get; init; } = true;

    /// <summary>Take the user stack of each sample (default true).</summary>
    public bool UserStacks { get; init; } = true;

    /// <summary>Sample only this process (thread group id), in the kernel; null: every selected process.</summary>
    public int? Pid { get; init; }

    /// <summary>The perf event sampled: the software CPU clock (tests ask for a hardware event to see the feature error).</summary>
    internal PerfEventKind Event { get; init; } = PerfEventKind.CpuClock;
}
