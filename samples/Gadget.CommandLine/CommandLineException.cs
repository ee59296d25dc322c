namespace Gadget.CommandLine;

/// <summary>A command's own refusal: one line on standard error and <see cref="ExitCode"/> (2: a bad value found late; 1: cannot run).</summary>
public sealed class CommandLineException(string message, int exitCode = CliHost.Usage) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
