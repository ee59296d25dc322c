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

    /// <summary>How many containers can be traced at once (rings given to cgroups; the spare rings come on top).</summary>
    public int MaxContainers { get; set; } = 1024;

    /// <summary>
    /// Fresh rings kept ready in the kernel while a <see cref="ContainerRecorder"/> follows: a cgroup that root creates then
    /// takes one at its first syscall, without waiting for user space, which refills the pool at once (a cgroup another
    /// user makes in a delegated subtree gets none: recorded from when user space adds it). When containers start faster
    /// than that, a new cgroup finds none: its syscalls are counted (<see cref="SyscallHistory.MissedBeforeRecording"/>,
    /// <see cref="TraceloopTracer.MissedForEmptyPool"/>, a logged warning) until it gets a ring, and the pool keeps up to
    /// eight times as many spares until starts calm down (30 s without an empty pool halves it again). Each costs
    /// <see cref="TraceloopTracer.BytesPerContainer"/> of kernel memory. 0: new cgroups are recorded only once user space
    /// adds them. Default: 4.
    /// </summary>
    public int SpareRings { get; set; } = 4;

    /// <summary>How long a ring the kernel claimed for a new cgroup is kept while no follower has decided about it (the
    /// cgroup is no container the followers know, e.g. a service's). Default: 30 seconds.</summary>
    public TimeSpan UnkeptRingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What to capture behind the pointer arguments of syscall number <c>n</c> (six entries, or <c>null</c> for nothing).
    /// <c>null</c> uses the decoder's specs for this machine (<see cref="Decoding.SyscallCatalog.GetCaptureSpecs"/>).
    /// </summary>
    public Func<int, IReadOnlyList<ArgumentCaptureSpec>?>? CaptureSpecs { get; set; }

    /// <summary>
    /// Bytes recorded at most from a data buffer a syscall reads or writes (<see cref="ArgumentCapture.BufferIn"/>: write,
    /// sendto, ...; <see cref="ArgumentCapture.BufferOut"/>: read, pread64, recvfrom, ...), 0 to 256; a longer buffer's
    /// capture is marked truncated. The decoder prints 32 bytes by default (strace's <c>-s 32</c>): record more only to
    /// print more (a larger <see cref="Decoding.SyscallFormatterOptions.StringLimit"/>). Every recorded byte is copied at
    /// each such syscall and takes ring space (fewer syscalls fit in the history). Paths, strings, socket addresses and
    /// structures are not affected. Default: 32 (it was 256, the largest value, before 0.2).
    /// </summary>
    public int BufferCaptureBytes { get; set; } = 32;

    /// <summary>
    /// Read the clock at the exit of every recorded syscall. Off (the default), the exit time is read only when the thread
    /// was switched out during the call (it blocked, or was preempted): a call that held its CPU from entry to exit gets
    /// no <see cref="SyscallRecord.ExitTimestampNs"/> (<c>null</c>, JSON <c>exit_timestamp_ns: null</c>), which spares a
    /// clock read per syscall (20-40 ns on the VM measured in benchmarks/README.md; a recorded getppid cost ~300 ns more than
    /// an untraced one there). The history's order and its completeness are the same either way. Turn it on to measure
    /// the duration of every call. This is the tracer's default: each recording may choose otherwise
    /// (<see cref="TraceloopTracer.AddCgroup(ulong, int?, bool)"/>, <see cref="TraceloopTracer.Follow(Gadget.Containers.ContainerCollection, Gadget.Containers.ContainerSelector, int, bool)"/>,
    /// <see cref="TracedCommandOptions.ExitTimestamps"/>), read by the BPF programs at run time, so one tracer serves both.
    /// </summary>
    public bool ExitTimestamps { get; set; }

    /// <summary>Where the tracer's diagnostics go (rings added and removed, at debug level); null: nowhere.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// How many cgroups the kernel's table of known cgroups holds (bpf/traceloop_rings.h, <c>cgroups</c>: the recorded
    /// ones, and those root made while a recorder follows, noted at their creation); null: the BPF object's 16,384. Never
    /// fewer than the rings (<see cref="MaxContainers"/> + <see cref="SpareRings"/>) and one. For tests, which fill it with
    /// a few dozen cgroups instead of 16,384 (which would fill every other tracer's table on the node too).
    /// </summary>
    internal int? KnownCgroups { get; set; }
}
