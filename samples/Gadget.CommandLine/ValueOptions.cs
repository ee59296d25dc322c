using System.CommandLine;
using System.Globalization;

namespace Gadget.CommandLine;

/// <summary>Option factories for the values every tool checks the same way (seconds, counts, sizes).</summary>
public static class ValueOptions
{
    /// <summary>The longest <c>--timeout</c>/<c>--interval</c>: a day.</summary>
    public const double MaxSeconds = 86_400;

    /// <summary><c>--timeout SECONDS</c>: stop after this long (a number &gt; 0, at most a day).</summary>
    public static Option<TimeSpan?> Timeout(string description = "stop after this many seconds (> 0, at most 86400)") => Seconds("--timeout", description, null);

    /// <summary>A number of seconds &gt; 0 and at most <see cref="MaxSeconds"/>, with a default.</summary>
    public static Option<TimeSpan?> Seconds(string name, string description, double? defaultSeconds)
    {
        var option = new Option<TimeSpan?>(name)
        {
            Description = description,
            HelpName = "SECONDS",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || seconds <= 0 || seconds > MaxSeconds)
                {
                    r.AddError($"{name} is a number of seconds > 0 and at most {MaxSeconds}, not '{text}'.");
                    return null;
                }
                return TimeSpan.FromSeconds(seconds);
            },
        };
        if (defaultSeconds is { } value)
        {
            option.DefaultValueFactory = _ => TimeSpan.FromSeconds(value);
        }
        return option;
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="defaultValue"/> when absent (shown in --help when it is in range).</summary>
    public static Option<int> Integer(string name, string description, int defaultValue, int min, int max, params string[] aliases)
    {
        var option = new Option<int>(name, aliases)
        {
            Description = description,
            HelpName = "N",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                {
                    r.AddError($"{name} is a whole number from {min} to {max}, not '{text}'.");
                    return defaultValue;
                }
                return n;
            },
        };
        if (defaultValue >= min)
        {
            option.DefaultValueFactory = _ => defaultValue; // shown in --help
        }
        return option;
    }

    /// <summary><c>--ring-size BYTES</c>: a power of two of at least a page; 0 (the default): the gadget's.</summary>
    public static Option<int> RingSize() => new("--ring-size")
    {
        Description = $"the events ring buffer in bytes: a power of two >= {Environment.SystemPageSize} (default: the gadget's)",
        HelpName = "BYTES",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < Environment.SystemPageSize || !int.IsPow2(bytes))
            {
                r.AddError($"--ring-size is a power of two of at least {Environment.SystemPageSize} bytes, not '{text}'.");
                return 0;
            }
            return bytes;
        },
    };

    /// <summary><c>--spare-rings N</c>: traceloop's rings kept ready for new containers (TraceloopOptions.SpareRings).</summary>
    public static Option<int> SpareRings() => Integer(
        "--spare-rings",
        "traceloop rings kept ready for new containers (each costs its pages per CPU): a burst of more new containers than this at once misses their first syscalls until the pool refills",
        4,
        1,
        1024);

    /// <summary>One of <paramref name="choices"/>; <paramref name="defaultValue"/> when absent.</summary>
    public static Option<string> Choice(string name, string alias, string description, string defaultValue, params string[] choices) => new(name, alias)
    {
        Description = description,
        HelpName = string.Join('|', choices),
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : defaultValue;
            if (!choices.Contains(text, StringComparer.Ordinal))
            {
                r.AddError($"{name} is {string.Join(" or ", choices)}, not '{text}'.");
            }
            return text;
        },
    };

    /// <summary>
    /// A file the command writes when it is done (after a recording that may have lasted long): refused at once when it
    /// cannot be one (empty, a directory, in a directory that does not exist).
    /// </summary>
    public static Option<string?> OutputFile(string name, string description, string helpName = "FILE") => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            var directory = text.Length == 0 ? null : Path.GetDirectoryName(Path.GetFullPath(text));
            if (text.Length == 0 || text.Contains('\0', StringComparison.Ordinal) || Directory.Exists(text) || directory is null || !Directory.Exists(directory))
            {
                r.AddError($"{name} is a file to write, in a directory that exists, not '{text}'.");
                return null;
            }
            return text;
        },
    };
}
