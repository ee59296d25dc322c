using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>One <c>open</c>/<c>openat</c>/<c>openat2</c>, reported when the syscall returns.</summary>
public sealed record OpenEvent
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

    /// <summary>Task name.</summary>
    public required string Comm { get; init; }

    /// <summary>Group id of the thread.</summary>
    public int Gid { get; init; }

    /// <summary>Task name of the process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>The syscall's result: the new file descriptor, or -errno.</summary>
    public required int ReturnValue { get; init; }

    /// <summary>The file descriptor, or -1 when the call failed.</summary>
    public int FileDescriptor => ReturnValue >= 0 ? ReturnValue : -1;

    /// <summary>The errno of a failed call (e.g. 2 ENOENT), 0 on success.</summary>
    public int Error => ReturnValue < 0 ? -ReturnValue : 0;

    /// <summary>The open flags (O_RDONLY, O_CREAT, O_CLOEXEC...).</summary>
    public required int Flags { get; init; }

    /// <summary>The mode given for a created file.</summary>
    public required int Mode { get; init; }

    /// <summary>The path as passed (relative paths are relative to the caller's directory or dirfd), at most 255 bytes.</summary>
    public required string Path { get; init; }

    /// <summary>The cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the process runs in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }
}
