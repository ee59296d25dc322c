using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>A process the kernel's OOM killer chose to kill (oom:mark_victim), and the process whose allocation triggered it.</summary>
public sealed record OomKillEvent
{
    /// <summary>When the victim was marked (wall clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id of the victim.</summary>
    public required int VictimPid { get; init; }

    /// <summary>Task name of the victim.</summary>
    public required string VictimComm { get; init; }

    /// <summary>User id of the victim.</summary>
    public required int VictimUid { get; init; }

    /// <summary>The victim's virtual memory size, in pages.</summary>
    public required ulong TotalVmPages { get; init; }

    /// <summary>The victim's resident anonymous pages (the mm counter, without per-CPU deltas not yet folded in).</summary>
    public required long AnonRssPages { get; init; }

    /// <summary>The victim's resident file-backed pages.</summary>
    public required long FileRssPages { get; init; }

    /// <summary>The victim's resident shared-memory pages.</summary>
    public required long ShmemRssPages { get; init; }

    /// <summary>The name (last path component) of the victim's memory cgroup (cgroup v1 memory controller or cgroup2).</summary>
    public required string MemoryCgroup { get; init; }

    /// <summary>Process id of the task whose allocation ran into the limit (the current task when the victim was chosen).</summary>
    public required int TriggerPid { get; init; }

    /// <summary>Thread id of the triggering task.</summary>
    public required int TriggerTid { get; init; }

    /// <summary>Task name of the triggering task.</summary>
    public required string TriggerComm { get; init; }

    /// <summary>Process id of the triggering task's parent.</summary>
    public int TriggerParentPid { get; init; }

    /// <summary>User id of the triggering task.</summary>
    public int TriggerUid { get; init; }

    /// <summary>Group id of the triggering task.</summary>
    public int TriggerGid { get; init; }

    /// <summary>Task name of the triggering task's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string TriggerParentComm { get; init; } = string.Empty;

    /// <summary>The victim's cgroup2 id.</summary>
    public required ulong VictimCgroupId { get; init; }

    /// <summary>The triggering task's cgroup2 id.</summary>
    public required ulong TriggerCgroupId { get; init; }

    /// <summary>The victim's container, when known.</summary>
    public Container? Container { get; init; }

    /// <summary>The triggering task's container, when known.</summary>
    public Container? TriggerContainer { get; init; }
}
