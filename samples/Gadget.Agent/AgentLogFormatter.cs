using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Gadget.Agent;

/// <summary>
/// The agent's console log: the simple formatter's layout (<c>info: Category[EventId]</c>, then the message indented by
/// six spaces, then the exception), but no control character of a message reaches the log as it is. Messages carry what
/// callers name (selectors, container ids in paths, JSON property names in errors): a carriage return or an escape
/// sequence (erase the line) in them made lines of the log the agent never wrote. Each C0, DEL and C1 character of a
/// message is written as <c>\xNN</c>, its line feeds too (one line per message); an exception's own lines are kept, indented.
/// </summary>
internal sealed class AgentLogFormatter : ConsoleFormatter
{
    /// <summary>The formatter's name (<c>Logging:Console:FormatterName</c>).</summary>
    public const string FormatterName = "gadget-agent";

    private const string Padding = "      ";

    private static readonly SearchValues<char> Controls = SearchValues.Create(
        new string([.. Enumerable.Range(0, 0xa0).Where(c => char.IsControl((char)c)).Select(c => (char)c)]));

    /// <summary>Creates the formatter.</summary>
    public AgentLogFormatter()
        : base(FormatterName)
    {
    }

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Level(logEntry.LogLevel)}: {logEntry.Category}[{logEntry.EventId.Id}]\n");
        if (!string.IsNullOrEmpty(message))
        {
            text.Append(Padding);
            Escape(message, text, keepLineFeeds: false);
            text.Append('\n');
        }
        if (logEntry.Exception is { } exception)
        {
            text.Append(Padding);
            Escape(exception.ToString(), text, keepLineFeeds: true);
            text.Append('\n');
        }
        textWriter.Write(text.ToString());
    }

    /// <summary>Appends <paramref name="value"/> with its control characters as <c>\xNN</c>; a kept line feed starts an indented line.</summary>
    internal static void Escape(string value, StringBuilder text, bool keepLineFeeds)
    {
        if (value.AsSpan().IndexOfAny(Controls) < 0)
        {
            text.Append(value);
            return;
        }
        foreach (var c in value)
        {
            if (c == '\n' && keepLineFeeds)
            {
                text.Append('\n').Append(Padding);
            }
            else if (Controls.Contains(c))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                text.Append(c);
            }
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString().ToLowerInvariant(),
    };
}
