using Microsoft.Extensions.Logging;

namespace Gadget.Bpf.Tests;

/// <summary>An <see cref="ILogger"/> that keeps every message (level and formatted text), for tests of what reaches logging.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _messages = [];

    /// <summary>The messages so far.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_messages)
        {
            _messages.Add((logLevel, formatter(state, exception)));
        }
    }
}
