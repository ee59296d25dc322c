using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>One process (or thread) as a <see cref="ProcessSnapshot"/> found it, read by the kernel's task iterator.</summary>
public sealed record ProcessSnapshotEntry
{
    /// <summary>Process id (thread group id).</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id (equal to <see cref="Pid"/> for the process itself).</summary>
    public required int Tid { get; init; }

    /// <summary>Process id of the parent (the real parent's thread group id; 0 for the kernel's own first tasks).</summary>
    public required int ParentPid { get; init; }

    /// <summary>Real user id (as the initial user namespace sees it).</summary>
    public required int Uid { get; init; }

    /// <summary>Real group id (as the initial user namespace sees it).</summary>
    public required int Gid { get; init; }

    /// <summary>Task name.</summary>
    public required string Comm { get; init; }

    /// <summary>Task name of the parent process (its thread group leader's, as /proc/PPID/comm).</summary>
    public required string ParentComm { get; init; }

    /// <summary>When the task started (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>The task's cgroup2 id.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the task runs in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }
}
