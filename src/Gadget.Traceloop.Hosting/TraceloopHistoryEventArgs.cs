using Gadget.Containers;

namespace Gadget.Traceloop.Hosting;

/// <summary>The syscall history of a container that crashed or of a command that failed, as dumped by the <see cref="TraceloopBackgroundService"/>.</summary>
public sealed class TraceloopHistoryEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="name">What was recorded: the container's name, or the command line.</param>
    /// <param name="container">The container; <c>null</c> for a command.</param>
    /// <param name="exitCode">The command's exit code; <c>null</c> for a container (see <see cref="Container.ExitStatus"/>).</param>
    /// <param name="history">The recorded syscalls, oldest first.</param>
    public TraceloopHistoryEventArgs(string name, Container? container, int? exitCode, IReadOnlyList<SyscallRecord> history)
    {
        Name = name;
        Container = container;
        ExitCode = exitCode;
        History = history;
    }

    /// <summary>What was recorded: the container's name, or the command line.</summary>
    public string Name { get; }

    /// <summary>The container; <c>null</c> for a command.</summary>
    public Container? Container { get; }

    /// <summary>The command's exit code; <c>null</c> for a container.</summary>
    public int? ExitCode { get; }

    /// <summary>The recorded syscalls, oldest first.</summary>
    public IReadOnlyList<SyscallRecord> History { get; }
}
