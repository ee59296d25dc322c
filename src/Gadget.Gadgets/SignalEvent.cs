using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>A signal generated for a process (signal:signal_generate): who sent what to whom, and what became of it.</summary>
public sealed record SignalEvent
{
    /// <summary>When the signal was generated (wall clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id of the sender (the current task; the kernel itself for e.g. SIGCHLD, SIGSEGV or an OOM kill).</summary>
    public required int SenderPid { get; init; }

    /// <summary>Thread id of the sender.</summary>
    public required int SenderTid { get; init; }

    /// <summary>User id of the sender.</summary>
    public required int SenderUid { get; init; }

    /// <summary>Task name of the sender.</summary>
    public required string SenderComm { get; init; }

    /// <summary>Process id of the sender's parent.</summary>
    public int SenderParentPid { get; init; }

    /// <summary>Group id of the sender.</summary>
    public int SenderGid { get; init; }

    /// <summary>Task name of the sender's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string SenderParentComm { get; init; } = string.Empty;

    /// <summary>Process id of the target.</summary>
    public required int TargetPid { get; init; }

    /// <summary>Thread id of the target.</summary>
    public required int TargetTid { get; init; }

    /// <summary>Task name of the target.</summary>
    public required string TargetComm { get; init; }

    /// <summary>Signal number (9 SIGKILL, 15 SIGTERM...).</summary>
    public required int Signal { get; init; }

    /// <summary>The signal's name (SIGKILL...; SIGRTMIN+n for real-time signals, counted from the C library's SIGRTMIN, 34), or its number.</summary>
    public string SignalName => LinuxSignals.LibcName(Signal);

    /// <summary>True when the signal was sent to the whole thread group (kill), false for one thread (tgkill).</summary>
    public required bool ToThreadGroup { get; init; }

    /// <summary>What the kernel did with it.</summary>
    public required SignalResult Result { get; init; }

    /// <summary>The sender's cgroup2 id.</summary>
    public required ulong SenderCgroupId { get; init; }

    /// <summary>The target's cgroup2 id.</summary>
    public required ulong TargetCgroupId { get; init; }

    /// <summary>The sender's container, when known.</summary>
    public Container? SenderContainer { get; init; }

    /// <summary>The target's container, when known.</summary>
    public Container? TargetContainer { get; init; }

    /// <summary>The container this event is about: the target's, else the sender's.</summary>
    public Container? Container => TargetContainer ?? SenderContainer;
}
