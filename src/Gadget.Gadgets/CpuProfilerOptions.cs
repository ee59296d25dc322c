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

    /// <summary>
    /// Distinct stacks the kernel keeps (kernel and user stacks count apart; 1024 to 1048576, default 16384: about 16 MiB
    /// of kernel memory, 1016 bytes each, as BCC's profile). A stack whose hash lands on a slot another stack holds is not
    /// kept (<see cref="CpuProfile.LostStacks"/>, shown as <c>[missed ... stack]</c>): a host-wide profile of many distinct
    /// stacks loses some; a bigger map loses fewer.
    /// </summary>
    public int MaxStacks { get; init; } = 16384;

    /// <summary>Sample only this process (thread group id), in the kernel; null: every selected process.</summary>
    public int? Pid { get; init; }

    /// <summary>The perf event sampled: the software CPU clock (tests ask for a hardware event to see the feature error).</summary>
    internal PerfEventKind Event { get; init; } = PerfEventKind.CpuClock;
}
