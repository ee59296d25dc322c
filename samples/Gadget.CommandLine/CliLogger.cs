using Microsoft.Extensions.Logging;

namespace Gadget.CommandLine;

/// <summary>
/// What the libraries have to say while a tool runs (a container not recorded, a ring pool that cannot be refilled, events
/// dropped in the kernel), on standard error: one line each, <c>TOOL: warning: ...</c>, warnings and errors only. Control
/// characters (a container name can hold ESC) are escaped as <see cref="DisplayText"/> does, so a line stays a line and a terminal shows it
/// as it is.
/// </summary>
public sealed class CliLogger : ILogger
{
    private static readonly Lock Gate = new();

    private CliLogger()
    {
    }

    /// <summary>The logger of this process's tool (<see cref="CliHost.Tool"/>).</summary>
    public static CliLogger Instance { get; } = new();

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        // libbpf's warnings come before the failure whose exception quotes them, and say it less clearly (or they are
        // about something libbpf then does without, like raising RLIMIT_MEMLOCK): the tool's one-line error says it all.
        if (!IsEnabled(logLevel) || eventId == Gadget.Bpf.BpfObjectOptions.LibbpfMessageEvent)
        {
            return;
        }
        var message = formatter(state, exception);
        if (exception is not null && !message.Contains(exception.Message, StringComparison.Ordinal))
        {
            message += ": " + exception.Message;
        }
        var line = $"{CliHost.Tool}: {(logLevel >= LogLevel.Error ? "error" : "warning")}: {DisplayText.Escape(message.ReplaceLineEndings(" "))}";
        lock (Gate)
        {
            Console.Error.WriteLine(line);
        }
    }
}
