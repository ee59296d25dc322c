using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gadget.Containers.Tests;

/// <summary>Keeps what the library logs, to show it when a test fails.</summary>
internal sealed class TestLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    internal IReadOnlyCollection<string> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Trace;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _lines.Enqueue($"{logLevel}: {DateTime.UtcNow:HH:mm:ss.fff} {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
        }
    }

    public override string ToString() => string.Join("\n", _lines);
}
