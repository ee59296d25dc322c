using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// A process (or, with <see cref="ExitSnoopOptions.Threads"/>, a thread) that exited (sched:sched_process_exit): the wait
/// status its parent is given, split into exit code or signal and core dump, and how long it lived.
/// </summary>
public sealed record ExitEvent
{
    /// <summary>When the task exited (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id (thread group id).</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id of the exiting task (equal to <see cref="Pid"/> for the thread group leader).</summary>
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

    /// <summary>
    /// The wait status as the kernel gives it to the parent (<c>wait(2)</c>'s <c>wstatus</c>): <c>(code &lt;&lt; 8)</c>
    /// after an exit, the signal number (+ 0x80 when a core was dumped) after a fatal signal.
    /// </summary>
    public required int ExitStatus { get; init; }

    /// <summary>The exit code (<c>WEXITSTATUS</c>, 0-255) when the process exited by itself; null when a signal killed it.</summary>
    public int? ExitCode => WaitStatus.ExitCode(ExitStatus);

    /// <summary>The signal that killed the process (<c>WTERMSIG</c>), or null when it exited by itself.</summary>
    public int? Signal => WaitStatus.Signal(ExitStatus);

    /// <summary>The killing signal's name (SIGKILL, SIGSEGV...), or null when the process exited by itself.</summary>
    public string? SignalName => WaitStatus.SignalName(ExitStatus);

    /// <summary>Whether a core dump was written (<c>WCOREDUMP</c>).</summary>
    public bool CoreDumped => WaitStatus.CoreDumped(ExitStatus);

    /// <summary>How long the task lived: from its creation (fork/clone) to its exit.</summary>
    public required TimeSpan Lifetime { get; init; }

    /// <summary>The cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the process ran in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }
}
