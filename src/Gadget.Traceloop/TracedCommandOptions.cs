namespace Gadget.Traceloop;

/// <summary>How <see cref="TracedCommand.Prepare"/> runs a command.</summary>
public sealed class TracedCommandOptions
{
    /// <summary>Redirect the command's standard output and error (read them from <see cref="TracedCommand.Process"/>) instead
    /// of inheriting them. Default: inherited.</summary>
    public bool RedirectOutput { get; set; }

    /// <summary>The command's ring size in pages per CPU (a power of two); <c>null</c> (the default) for the tracer's
    /// <see cref="TraceloopOptions.PagesPerCpu"/>.</summary>
    public int? PagesPerCpu { get; set; }

    /// <summary>Read the clock at the exit of every syscall of the command (see
    /// <see cref="TraceloopTracer.AddCgroup(ulong, int?, bool)"/>); <c>null</c> (the default) for the tracer's
    /// <see cref="TraceloopOptions.ExitTimestamps"/>.</summary>
    public bool? ExitTimestamps { get; set; }

    /// <summary>
    /// The command's soft open-file limit (<c>RLIMIT_NOFILE</c>), set by the shell that starts it (<c>ulimit -Sn</c>, before
    /// its <c>execve</c>: not in <see cref="TracedCommand.Dump"/>); <see cref="ulong.MaxValue"/> for unlimited. At most
    /// this process's hard limit, which the command inherits. <c>null</c> (the default): the command inherits this process's
    /// soft limit, which CoreCLR (not NativeAOT) raised to the hard one when this process started: a command run by strace
    /// or a shell would have the soft limit this process was started with, which the runtime does not record
    /// (<see cref="TracedCommand.StartingOpenFileSoftLimit"/> tells it from the parent's, when it can, as <c>traceloop run</c>
    /// and <c>Gadget.Traceloop.Hosting</c>'s <c>RunCommandAsync</c> use it).
    /// </summary>
    public ulong? OpenFileSoftLimit { get; set; }
}
