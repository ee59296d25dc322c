using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>One <c>mount</c>, <c>umount2</c> or <c>move_mount</c>, reported when the syscall returns.</summary>
public sealed record MountEvent
{
    /// <summary>When the call returned (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id.</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id.</summary>
    public required int Tid { get; init; }

    /// <summary>Process id of the parent (the real parent's thread group id).</summary>
    public int ParentPid { get; init; }

    /// <summary>User id.</summary>
    public required int Uid { get; init; }

    /// <summary>Group id.</summary>
    public int Gid { get; init; }

    /// <summary>Task name.</summary>
    public required string Comm { get; init; }

    /// <summary>Task name of the process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>Which system call.</summary>
    public required MountOperation Operation { get; init; }

    /// <summary>mount: the source (a device, a directory for a bind mount, any name for tmpfs); move_mount: the path moved from; umount2: empty. At most 255 bytes.</summary>
    public required string Source { get; init; }

    /// <summary>The mount point: mounted on, unmounted, or (move_mount) moved to. At most 255 bytes.</summary>
    public required string Target { get; init; }

    /// <summary>mount: the file system type as passed (tmpfs, ext4...; empty for a bind, move or propagation change); empty for the others.</summary>
    public required string FileSystemType { get; init; }

    /// <summary>mount: the data argument read as a string (the file system's options, e.g. <c>size=1m</c>); at most 255 bytes.</summary>
    public required string Data { get; init; }

    /// <summary>The flags as passed: <c>MS_*</c> for mount, <c>MNT_*</c> for umount2, <c>MOVE_MOUNT_*</c> for move_mount.</summary>
    public required ulong Flags { get; init; }

    /// <summary>The flags' names joined by <c>|</c> (<c>MS_NOSUID|MS_NODEV</c>), <c>0</c> when none.</summary>
    public string FlagNames => MountFlags.Format(Operation, Flags);

    /// <summary>The syscall's result: 0, or -errno.</summary>
    public required int ReturnValue { get; init; }

    /// <summary>The errno of a failed call (e.g. 19 ENODEV for an unknown file system type), 0 on success.</summary>
    public int Error => ReturnValue < 0 ? -ReturnValue : 0;

    /// <summary>"OK", or the error's name (ENODEV, EPERM, EBUSY...).</summary>
    public string Result => ReturnValue >= 0 ? "OK" : Gadget.Bpf.Errno.Name(Error);

    /// <summary>The cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the process runs in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }
}
