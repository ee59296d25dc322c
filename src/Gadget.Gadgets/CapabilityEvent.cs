using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// A capability check (the kernel's <c>cap_capable()</c>, behind every <c>capable()</c>/<c>ns_capable()</c>), reported by
/// <see cref="Capable"/>: which process needed which capability, in which user namespace, and whether it had it.
/// </summary>
public sealed record CapabilityEvent
{
    /// <summary>When the check returned (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id (thread group id) of the process checked.</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id.</summary>
    public required int Tid { get; init; }

    /// <summary>Process id of the parent (the real parent's thread group id).</summary>
    public int ParentPid { get; init; }

    /// <summary>User id (in the initial user namespace).</summary>
    public required int Uid { get; init; }

    /// <summary>Group id (in the initial user namespace).</summary>
    public int Gid { get; init; }

    /// <summary>Task name.</summary>
    public required string Comm { get; init; }

    /// <summary>Task name of the process's parent (ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>The capability's number (0 CAP_CHOWN, 7 CAP_SETUID, 21 CAP_SYS_ADMIN...).</summary>
    public required int Capability { get; init; }

    /// <summary>The capability's name (CAP_CHOWN...; <c>CAP_&lt;n&gt;</c> for a number newer than this library).</summary>
    public string CapabilityName => LinuxCapabilities.Name(Capability);

    /// <summary>
    /// Whether a denial would be audited: false when the caller asked for no audit message (<c>CAP_OPT_NOAUDIT</c>, e.g.
    /// <c>has_capability_noaudit()</c> and the checks that merely probe).
    /// </summary>
    public required bool Audit { get; init; }

    /// <summary>The options the kernel passed (<c>CAP_OPT_NOAUDIT</c> 2, <c>CAP_OPT_INSETID</c> 4).</summary>
    public uint Options { get; init; }

    /// <summary>What <c>cap_capable()</c> returned: 0 when the capability was granted, -EPERM (-1) when denied.</summary>
    public required int ReturnValue { get; init; }

    /// <summary>Whether the capability was granted.</summary>
    public bool Allowed => ReturnValue == 0;

    /// <summary>Inode number of the user namespace the capability was checked against (as in <c>/proc/PID/ns/user</c>).</summary>
    public ulong UserNamespaceId { get; init; }

    /// <summary>The cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the process ran in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }
}
