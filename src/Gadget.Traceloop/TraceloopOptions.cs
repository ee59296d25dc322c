using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop;

/// <summary>How a <see cref="TraceloopTracer"/> records.</summary>
public sealed class TraceloopOptions
{
    /// <summary>
    /// Pages (4 KiB) of ring per CPU for each traced container, a power of two. A container's history costs
    /// <c>PagesPerCpu × 4 KiB × CPUs</c> of kernel memory; 64 pages keep roughly 1,000 to 3,000 syscalls per CPU.
    /// </summary>
    public int PagesPerCpu { get; set; } = 64;

    /// <summary>How many containers can be traced at once (the size of the kernel's cgroup → ring map).</summary>
    public int MaxContainers { get; set; } = 1024;

    /// <summary>
    /// What to capture behind the pointer arguments of syscall number <c>n</c> (six entries, or <c>null</c> for nothing).
    /// <c>null</c> uses the decoder's specs for this machine (<see cref="Decoding.SyscallCatalog.GetCaptureSpecs"/>).
    /// </summary>
    public Func<int, IReadOnlyList<ArgumentCaptureSpec>?>? CaptureSpecs { get; set; }

    /// <summary>Where the tracer's diagnostics go (rings added and removed, at debug level); null: nowhere.</summary>
    public ILogger? Logger { get; set; }
}
