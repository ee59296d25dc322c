using System.CommandLine;
using Gadget.CommandLine;

namespace Traceloop;

/// <summary>
/// strace's printing flags on run, watch and dump: <c>-o text|json</c>, <c>--output-file FILE</c> (strace's <c>-o</c>: the
/// project's <c>-o</c> is the format, in every tool), and the shared <see cref="SyscallPrintOptions"/> (<c>-s N</c>,
/// <c>-T</c>, <c>-t</c>, <c>-tt</c>, <c>-ttt</c>, <c>-e trace=SET</c>); read back as a <see cref="HistoryPrinting"/>.
/// </summary>
internal sealed class HistoryOptions
{
    private readonly Option<string> _output = ValueOptions.Choice("--output", "-o", "text (strace-like) or json (one object per line)", "text", "text", "json");
    private readonly Option<string?> _outputFile;
    private readonly SyscallPrintOptions _syscalls;

    /// <summary>Adds the flags to <paramref name="command"/>; <paramref name="where"/> is where the history goes without <c>--output-file</c>, <paramref name="recorded"/> what <c>-s</c> and <c>-T</c> change in the recording (null for dump).</summary>
    internal HistoryOptions(Command command, string where, string? recorded)
    {
        _outputFile = ValueOptions.OutputFile("--output-file", $"write the history to FILE instead of {where} (strace's -o; here -o is the format, as in every Gadget tool)");
        command.Options.Add(_output);
        command.Options.Add(_outputFile);
        _syscalls = new SyscallPrintOptions(
            command,
            recorded is null ? " (at most what the watch records: its own -s, up to 256)"
                : $"; {recorded} records min(N, {HistoryPrinting.MaxBufferCapture}) bytes of each buffer (0: none, printed \"\"...)",
            recorded is null ? ", or that held its CPU, from a watch without -T or --exit-timestamps"
                : $"; {recorded} then reads every syscall's exit time (--exit-timestamps)",
            recorded is null ? "; the watch prints them, in its time zone" : "",
            resolveNames: true);
    }

    /// <summary>What the flags of <paramref name="result"/> ask for.</summary>
    internal HistoryPrinting Read(ParseResult result) =>
        new(result.GetValue(_output)!, result.GetValue(_outputFile), _syscalls.Read(result));
}
