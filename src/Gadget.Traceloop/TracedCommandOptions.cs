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
}
