using System.CommandLine;
using System.CommandLine.Parsing;
using Gadget.CommandLine;
using Gadget.Traceloop.Decoding;

namespace Traceloop;

/// <summary>
/// strace's printing flags on run, watch and dump: <c>-o text|json</c>, <c>--output-file FILE</c> (strace's <c>-o</c>: the
/// project's <c>-o</c> is the format, in every tool), <c>-s N</c>, <c>-T</c>, <c>-t</c>, <c>-tt</c>,
/// <c>-ttt</c>, <c>-e trace=SET</c>; read back as a <see cref="HistoryPrinting"/>.
/// </summary>
internal sealed class HistoryOptions
{
    private readonly Option<string> _output = ValueOptions.Choice("--output", "-o", "text (strace-like) or json (one object per line)", "text", "text", "json");
    private readonly Option<string?> _outputFile;
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

    /// <summary>Adds the flags to <paramref name="command"/>; <paramref name="where"/> is where the history goes without <c>--output-file</c>, <paramref name="recorded"/> what <c>-s</c> and <c>-T</c> change in the recording (null for dump).</summary>
    internal HistoryOptions(Command command, string where, string? recorded)
    {
        _outputFile = ValueOptions.OutputFile("--output-file", $"write the history to FILE instead of {where} (strace's -o; here -o is the format, as in every Gadget tool)");
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
        command.Options.Add(_outputFile);
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
        // -tt and -ttt say more than -t: the most precise one given wins, as strace's -t -t is -tt.
        var timeOfDay = result.GetValue(_timeEpoch) ? SyscallTimeOfDay.UnixMicroseconds
            : result.GetValue(_timeMicroseconds) ? SyscallTimeOfDay.Microseconds
            : result.GetValue(_time) ? SyscallTimeOfDay.Seconds
            : SyscallTimeOfDay.None;
        return new HistoryPrinting(result.GetValue(_output)!, result.GetValue(_outputFile), result.GetValue(_stringLimit), result.GetValue(_durations), timeOfDay, result.GetValue(_trace));
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
