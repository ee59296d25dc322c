using System.CommandLine;
using System.CommandLine.Parsing;
using Gadget.CommandLine;
using Gadget.Traceloop.Decoding;

namespace Traceloop;

/// <summary>
/// strace's printing flags on run, watch and dump: <c>-o text|json|FILE</c>, <c>-s N</c>, <c>-T</c>, <c>-t</c>, <c>-tt</c>,
/// <c>-ttt</c>, <c>-e trace=SET</c>; read back as a <see cref="HistoryPrinting"/>.
/// </summary>
internal sealed class HistoryOptions
{
    private readonly Option<(string Format, string? File)> _output;
    private readonly Option<int> _stringLimit;
    // Flags take no value: a flag of arity 0..1 (bool's default) right before '--' made System.CommandLine take the
    // command's own options for traceloop's ('traceloop run -T -- sh -c ...': unrecognized option '-c').
    private readonly Option<bool> _durations = new("-T", "--syscall-times")
    {
        Arity = ArgumentArity.Zero,
        Description = "append the time spent in each syscall, ' <0.000123>' in seconds; nothing for a call without an exit time (one that did not return)",
    };

    private readonly Option<bool> _time = new("-t") { Arity = ArgumentArity.Zero, Description = "prefix each line with the time of day (HH:MM:SS)" };
    private readonly Option<bool> _timeMicroseconds = new("-tt") { Arity = ArgumentArity.Zero, Description = "prefix each line with the time of day with microseconds" };
    private readonly Option<bool> _timeEpoch = new("-ttt") { Arity = ArgumentArity.Zero, Description = "prefix each line with the seconds since the Unix epoch, with microseconds" };
    private readonly Option<SyscallFilter?> _trace = new("-e", "--trace")
    {
        Description = "print only these syscalls, as strace's -e trace=SET: [!]NAME|%CLASS|/REGEX|all|none,... (%file, %desc, %process, %network, %signal, %ipc, %memory, %creds, %clock, %pure, %stat, %%stat, ...); process exits and the incomplete-history line are always printed",
        HelpName = "trace=SET",
        CustomParser = ParseTrace,
    };

    /// <summary>Adds the flags to <paramref name="command"/>; <paramref name="where"/> is where the history goes without <c>-o FILE</c>, <paramref name="recorded"/> what <c>-s</c> and <c>-T</c> change in the recording (null for dump).</summary>
    internal HistoryOptions(Command command, string where, string? recorded)
    {
        _output = new("--output", "-o")
        {
            Description = $"text (strace-like, the default) or json (one object per line); any other value is a FILE the history is written to instead of {where}, as strace's -o (both: -o json -o FILE; ./json for a file named json)",
            HelpName = "text|json|FILE",
            Arity = new ArgumentArity(1, 2),
            AllowMultipleArgumentsPerToken = false,
            CustomParser = ParseOutput,
        };
        _stringLimit = ValueOptions.Integer(
            "--string-limit",
            $"bytes of strings and data buffers printed, as strace's -s{(recorded is null ? " (at most what the watch records: its own -s, up to 256)" : $"; {recorded} records min(N, {HistoryPrinting.MaxBufferCapture}) bytes of each buffer (0: none, printed \"\"...)")}",
            HistoryPrinting.DefaultStringLimit,
            0,
            int.MaxValue,
            "-s");
        if (recorded is not null)
        {
            _durations.Description += $"; {recorded} then reads every syscall's exit time (--exit-timestamps)";
        }
        else
        {
            _durations.Description += ", or that held its CPU, from a watch without -T or --exit-timestamps";
        }
        _time.Description += ". The records' boot-clock times are converted with the wall clock's offset when printed: a clock step between the call and the printing shifts them";
        if (recorded is null)
        {
            _time.Description += "; the watch prints them, in its time zone";
        }
        command.Options.Add(_output);
        command.Options.Add(_stringLimit);
        command.Options.Add(_durations);
        command.Options.Add(_time);
        command.Options.Add(_timeMicroseconds);
        command.Options.Add(_timeEpoch);
        command.Options.Add(_trace);
    }

    /// <summary>What the flags of <paramref name="result"/> ask for.</summary>
    internal HistoryPrinting Read(ParseResult result)
    {
        var (format, file) = result.GetValue(_output); // (null, null) when not given
        // -tt and -ttt say more than -t: the most precise one given wins, as strace's -t -t is -tt.
        var timeOfDay = result.GetValue(_timeEpoch) ? SyscallTimeOfDay.UnixMicroseconds
            : result.GetValue(_timeMicroseconds) ? SyscallTimeOfDay.Microseconds
            : result.GetValue(_time) ? SyscallTimeOfDay.Seconds
            : SyscallTimeOfDay.None;
        return new HistoryPrinting(format ?? "text", file, result.GetValue(_stringLimit), result.GetValue(_durations), timeOfDay, result.GetValue(_trace));
    }

    private static (string Format, string? File) ParseOutput(ArgumentResult r)
    {
        string? format = null;
        string? file = null;
        foreach (var text in r.Tokens.Select(t => t.Value))
        {
            if (text is "text" or "json")
            {
                if (format is not null)
                {
                    r.AddError($"--output gives two formats ('{format}', '{text}'): give text or json once, and at most one FILE.");
                }
                format = text;
                continue;
            }
            // A format's name misspelt, or another tool's format, is not taken for a file (./NAME is).
            if (text.Equals("text", StringComparison.OrdinalIgnoreCase) || text.Equals("json", StringComparison.OrdinalIgnoreCase)
                || text is "columns" or "jsonpretty" or "yaml" or "jsonl" or "ndjson")
            {
                r.AddError($"--output is text or json, or a file: not '{DisplayText.Escape(text)}' (./{DisplayText.Escape(text)} for a file of that name).");
                continue;
            }
            var directory = text.Length == 0 || text.Contains('\0', StringComparison.Ordinal) ? null : Path.GetDirectoryName(Path.GetFullPath(text));
            if (directory is null || Directory.Exists(text) || !Directory.Exists(directory))
            {
                r.AddError($"--output is text, json or a file to write in a directory that exists, not '{DisplayText.Escape(text)}'.");
            }
            else if (file is not null)
            {
                r.AddError($"--output names two files ('{DisplayText.Escape(file)}', '{DisplayText.Escape(text)}'): give one FILE, and text or json.");
            }
            file = text;
        }
        return (format ?? "text", file);
    }

    private static SyscallFilter? ParseTrace(ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        // strace's other qualifiers (signal=, read=, write=, abbrev=, verbose=, raw=, inject=, status=, ...) are not taken.
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && text[..equals] != "trace" && text[..equals].All(char.IsAsciiLetterLower))
        {
            r.AddError($"--trace (-e) takes trace=SET only (strace's {DisplayText.Escape(text[..equals])}= is not supported), not '{DisplayText.Escape(text)}'.");
            return null;
        }
        try
        {
            return SyscallFilter.Parse(text);
        }
        catch (FormatException e)
        {
            r.AddError($"--trace (-e): {DisplayText.Escape(e.Message)}");
            return null;
        }
    }
}
