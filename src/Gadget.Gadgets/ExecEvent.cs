using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>One <c>execve</c>/<c>execveat</c>, reported when the syscall returns.</summary>
public sealed record ExecEvent
{
    /// <summary>When the exec started (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id (thread group id) of the process that exec'd.</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id that called exec.</summary>
    public required int Tid { get; init; }

    /// <summary>Process id of the parent.</summary>
    public required int ParentPid { get; init; }

    /// <summary>User id.</summary>
    public required int Uid { get; init; }

    /// <summary>The task name after the call: the new program's on success, the caller's on failure.</summary>
    public required string Comm { get; init; }

    /// <summary>Group id (the kernel's, in the initial user namespace) of the thread that exec'd.</summary>
    public int Gid { get; init; }

    /// <summary>Task name of the process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>The syscall's result: 0 on success, -errno on failure (e.g. -2 ENOENT).</summary>
    public required int ReturnValue { get; init; }

    /// <summary>argv, at most <see cref="ExecSnoop.MaxArguments"/> arguments of at most <see cref="ExecSnoop.MaxArgumentLength"/> bytes each.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>True when argv had more arguments than reported, or an argument was cut.</summary>
    public required bool ArgumentsTruncated { get; init; }

    /// <summary>The cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the process runs in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }

    /// <summary>The arguments as one command line (BCC's ARGS column), with " ..." when truncated.</summary>
    public string CommandLine => string.Join(' ', Arguments) + (ArgumentsTruncated ? " ..." : string.Empty);
}
