using System.Globalization;
using Gadget.Traceloop.Decoding;

namespace Gadget.CommandLine;

/// <summary>
/// How a syscall history is printed, as strace's flags say (<see cref="SyscallPrintOptions"/> reads them from a command
/// line): what <c>traceloop run</c>, <c>watch</c> and <c>dump</c> and the agent's history endpoint print with. In a URL's
/// query (<c>gadget traceloop dump</c> to the agent) it is <see cref="Query"/>, read back by <see cref="FromQuery"/>.
/// </summary>
/// <param name="StringLimit">Bytes of strings and buffers printed (strace's -s).</param>
/// <param name="Durations">The time spent in each call (strace's -T).</param>
/// <param name="TimeOfDay">The wall-clock prefix (strace's -t, -tt, -ttt).</param>
/// <param name="Trace">The syscalls printed, strace's <c>-e trace=SET</c> as given (<see cref="SyscallFilter.Parse"/>), or null for all.</param>
public sealed record SyscallPrinting(int StringLimit, bool Durations, SyscallTimeOfDay TimeOfDay, string? Trace)
{
    /// <summary>strace's default string limit, and the bytes of each buffer recorded by default.</summary>
    public const int DefaultStringLimit = 32;

    /// <summary>strace's defaults: <c>-s 32</c>, no duration, no time, every syscall.</summary>
    public static SyscallPrinting Default { get; } = new(DefaultStringLimit, false, SyscallTimeOfDay.None, null);

    /// <summary>The query parameters of <see cref="Query"/>: <c>stringLimit=N</c>, <c>durations=true</c>, <c>time=t|tt|ttt</c>, <c>trace=SET</c>.</summary>
    public static IReadOnlyList<string> QueryParameters { get; } = ["stringLimit", "durations", "time", "trace"];

    private static readonly string[] TimeNames = ["", "t", "tt", "ttt"];

    /// <summary>The filter <see cref="Trace"/> names, checked against this machine's syscall table; null for all.</summary>
    /// <exception cref="FormatException"><see cref="Trace"/> names no syscall, or one this machine does not have.</exception>
    public SyscallFilter? Filter() => Trace is null ? null : SyscallFilter.Parse(Trace);

    /// <summary>The writer of a history printed this way, as text or JSON Lines.</summary>
    public SyscallHistoryWriter Writer(bool json) => new(
        json: json,
        options: new SyscallFormatterOptions { StringLimit = StringLimit, IncludeDuration = Durations, TimeOfDay = TimeOfDay },
        filter: Filter());

    /// <summary>The query parameters that say how this printing differs from <see cref="Default"/> (none for it).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query()
    {
        var query = new List<KeyValuePair<string, string>>();
        if (StringLimit != DefaultStringLimit)
        {
            query.Add(new("stringLimit", StringLimit.ToString(CultureInfo.InvariantCulture)));
        }
        if (Durations)
        {
            query.Add(new("durations", "true"));
        }
        if (TimeOfDay != SyscallTimeOfDay.None)
        {
            query.Add(new("time", TimeNames[(int)TimeOfDay]));
        }
        if (Trace is not null)
        {
            query.Add(new("trace", Trace));
        }
        return query;
    }

    /// <summary>
    /// The printing a URL's query asks for (<see cref="Query"/>'s parameters, each at most once; the default for one absent),
    /// <paramref name="values"/> giving a parameter's values. Syscall names are checked against this machine's table.
    /// </summary>
    /// <exception cref="FormatException">A value is malformed or out of range, given twice, or names an unknown syscall: a one-line message naming the parameter.</exception>
    public static SyscallPrinting FromQuery(Func<string, IReadOnlyList<string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var printing = Default;
        if (One(values, "stringLimit") is { } limit)
        {
            printing = printing with
            {
                StringLimit = int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                    : throw new FormatException($"stringLimit is a whole number from 0 to {int.MaxValue}, not '{DisplayText.Escape(limit)}'"),
            };
        }
        if (One(values, "durations") is { } durations)
        {
            printing = printing with
            {
                Durations = durations switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException($"durations is true or false, not '{DisplayText.Escape(durations)}'"),
                },
            };
        }
        if (One(values, "time") is { } time)
        {
            var level = Array.IndexOf(TimeNames, time, 1);
            printing = printing with
            {
                TimeOfDay = level > 0 ? (SyscallTimeOfDay)level : throw new FormatException($"time is t, tt or ttt (strace's -t, -tt, -ttt), not '{DisplayText.Escape(time)}'"),
            };
        }
        if (One(values, "trace") is { } trace)
        {
            if (RefuseTrace(trace, resolveNames: true) is { } refused)
            {
                throw new FormatException("trace: " + refused);
            }
            printing = printing with { Trace = trace };
        }
        return printing;
    }

    /// <summary>
    /// Why <paramref name="text"/> is not a <c>-e</c> value (a one-line message, the text escaped), or null. Only strace's
    /// <c>trace=</c> qualifier is taken; with <paramref name="resolveNames"/> the set is parsed against this machine's
    /// syscall table, without it only its form is checked (names are resolved by whoever prints: another machine's agent).
    /// </summary>
    public static string? RefuseTrace(string text, bool resolveNames)
    {
        ArgumentNullException.ThrowIfNull(text);
        // strace's other qualifiers (signal=, read=, write=, abbrev=, verbose=, raw=, inject=, status=, ...) are not taken.
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && text[..equals] != "trace" && text[..equals].All(char.IsAsciiLetterLower))
        {
            return $"takes trace=SET only (strace's {DisplayText.Escape(text[..equals])}= is not supported), not '{DisplayText.Escape(text)}'.";
        }
        if (!resolveNames)
        {
            var set = (text.StartsWith("trace=", StringComparison.Ordinal) ? text["trace=".Length..] : text).TrimStart('!');
            return set.Length == 0 ? $"'{DisplayText.Escape(text)}' names no syscall (give names, %classes, all or none)."
                : set.Split(',').Any(item => item.Length == 0 || item == "?") ? $"'{DisplayText.Escape(text)}' has an empty item."
                : null;
        }
        try
        {
            _ = SyscallFilter.Parse(text);
            return null;
        }
        catch (FormatException e)
        {
            return DisplayText.Escape(e.Message);
        }
    }

    private static string? One(Func<string, IReadOnlyList<string>> values, string name) => values(name) switch
    {
        [] => null,
        [var value] => value,
        _ => throw new FormatException($"{name} is given more than once"),
    };
}
