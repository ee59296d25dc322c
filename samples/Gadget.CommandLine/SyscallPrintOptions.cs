using System.CommandLine;
using System.CommandLine.Parsing;
using Gadget.Traceloop.Decoding;

namespace Gadget.CommandLine;

/// <summary>
/// strace's printing flags of a syscall history: <c>-s N</c>, <c>-T</c>, <c>-t</c>, <c>-tt</c>, <c>-ttt</c>,
/// <c>-e trace=SET</c>; read back as a <see cref="SyscallPrinting"/>. The same on <c>traceloop run</c>, <c>watch</c>,
/// <c>dump</c> and <c>gadget traceloop dump</c>; each command adds what they mean there to the descriptions.
/// </summary>
public sealed class SyscallPrintOptions
{
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
    private readonly Option<string?> _trace;

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="stringLimitNote">Appended to <c>-s</c>'s description: what it changes in the recording, or that it cannot.</param>
    /// <param name="durationsNote">Appended to <c>-T</c>'s description: where the exit times come from.</param>
    /// <param name="timeNote">Appended to <c>-t</c>'s description: whose clock and time zone.</param>
    /// <param name="resolveNames">Whether <c>-e</c>'s names are checked against this machine's syscall table (the history
    /// is printed here), or only its form (another machine prints it, and checks them).</param>
    public SyscallPrintOptions(Command command, string stringLimitNote, string durationsNote, string timeNote, bool resolveNames)
    {
        ArgumentNullException.ThrowIfNull(command);
        _stringLimit = ValueOptions.Integer(
            "--string-limit",
            "bytes of strings and data buffers printed, as strace's -s" + stringLimitNote,
            SyscallPrinting.DefaultStringLimit,
            0,
            int.MaxValue,
            "-s");
        _durations.Description += durationsNote;
        _time.Description += ". The records' boot-clock times are converted with the wall clock's offset when printed: a clock step between the call and the printing shifts them" + timeNote;
        _trace = new Option<string?>("-e", "--trace")
        {
            Description = "print only these syscalls, as strace's -e trace=SET: [!]NAME|%CLASS|/REGEX|all|none,... (%file, %desc, %process, %network, %signal, %ipc, %memory, %creds, %clock, %pure, %stat, %%stat, ...); process exits and the incomplete-history line are always printed",
            HelpName = "trace=SET",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (SyscallPrinting.RefuseTrace(text, resolveNames) is { } refused)
                {
                    r.AddError("--trace (-e): " + refused);
                    return null;
                }
                return text;
            },
        };
        if (!resolveNames)
        {
            _trace.Description += "; the names are checked where the history is printed, against that machine's syscalls";
        }
        command.Options.Add(_stringLimit);
        command.Options.Add(_durations);
        command.Options.Add(_time);
        command.Options.Add(_timeMicroseconds);
        command.Options.Add(_timeEpoch);
        command.Options.Add(_trace);
    }

    /// <summary>What the flags of <paramref name="result"/> ask for.</summary>
    public SyscallPrinting Read(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        // -tt and -ttt say more than -t: the most precise one given wins, as strace's -t -t is -tt.
        var timeOfDay = result.GetValue(_timeEpoch) ? SyscallTimeOfDay.UnixMicroseconds
            : result.GetValue(_timeMicroseconds) ? SyscallTimeOfDay.Microseconds
            : result.GetValue(_time) ? SyscallTimeOfDay.Seconds
            : SyscallTimeOfDay.None;
        return new SyscallPrinting(result.GetValue(_stringLimit), result.GetValue(_durations), timeOfDay, result.GetValue(_trace));
    }
}
