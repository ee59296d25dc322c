using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Writes a whole history the way strace prints a trace: each syscall, and each process's end (<c>+++ exited with 139 +++</c>,
/// <c>+++ killed by SIGSEGV (core dumped) +++</c>) where it happened; first, when the history does not hold everything, a
/// line that says what it lacks (<see cref="SyscallHistory.DescribeGaps"/>). As text, or as JSON Lines: syscalls as
/// <see cref="SyscallJsonFormatter"/> writes them, then <c>{"type":"exit",...}</c> and <c>{"type":"gaps",...}</c> records.
/// Lines are formatted as <see cref="SyscallFormatterOptions"/> say (string limit, <c>-T</c>, <c>-t</c> prefixes; the
/// thread id whenever the history holds more than one thread), and a <see cref="SyscallFilter"/> chooses the syscalls
/// printed, in JSON too; process exits and the gaps line are always printed.
/// </summary>
public sealed class SyscallHistoryWriter
{
    private readonly bool _json;
    private readonly SyscallCatalog? _catalog;
    private readonly SyscallFormatterOptions _options;
    private readonly SyscallFilter _filter;

    /// <summary>Creates a writer of text (strace's lines) or of JSON Lines.</summary>
    /// <param name="json">JSON Lines instead of text.</param>
    /// <param name="catalog">The syscall catalog of the recorded machine; this machine's by default.</param>
    /// <param name="options">How lines are formatted; strace's defaults by default. <see cref="SyscallFormatterOptions.IncludeThreadId"/>
    /// is set for a history of more than one thread. A wall-clock prefix's offset is read at each <see cref="Write"/>
    /// unless given.</param>
    /// <param name="filter">The syscalls printed; all by default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> are out of range (a negative string limit).</exception>
    public SyscallHistoryWriter(bool json = false, SyscallCatalog? catalog = null, SyscallFormatterOptions? options = null, SyscallFilter? filter = null)
    {
        _json = json;
        _catalog = catalog;
        _options = options ?? SyscallFormatterOptions.Default;
        _filter = filter ?? SyscallFilter.All;
        _ = new SyscallFormatter(_options.WithThreadId(false), _catalog); // the options are checked here, not at the first Write
    }

    /// <summary>Writes <paramref name="history"/> to <paramref name="writer"/>, a line each.</summary>
    /// <param name="history">A <see cref="SyscallHistory"/> (with its process exits and gaps), or any list of syscalls.</param>
    /// <param name="writer">Where to.</param>
    public void Write(IReadOnlyList<SyscallRecord> history, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(writer);
        var multiThread = _options.IncludeThreadId || history.Select(r => r.ThreadId).Distinct().Skip(1).Any();
        var formatter = new SyscallFormatter(_options.WithThreadId(multiThread), _catalog);
        var json = new SyscallJsonFormatter(formatter);
        var table = formatter.Catalog.Table;
        var full = history as SyscallHistory;
        if (full is { IsComplete: false })
        {
            writer.WriteLine(_json ? GapsJson(full) : $"--- traceloop: the history is incomplete: {full.DescribeGaps()} ---");
        }
        IReadOnlyList<ProcessExit> exits = full?.ProcessExits ?? [];
        var next = 0;
        foreach (var record in history)
        {
            for (; next < exits.Count && exits[next].TimestampNs < record.TimestampNs; next++)
            {
                WriteExit(exits[next], formatter, writer);
            }
            if (_filter.Includes(table.GetDisplayName(record)))
            {
                writer.WriteLine(_json ? json.Format(record) : formatter.Format(record));
            }
        }
        for (; next < exits.Count; next++)
        {
            WriteExit(exits[next], formatter, writer);
        }
    }

    private void WriteExit(ProcessExit exit, SyscallFormatter formatter, TextWriter writer)
    {
        if (!_json)
        {
            // strace's prefixes, the process's id in place of the thread's.
            var line = new StringBuilder();
            formatter.AppendPrefix(exit.ProcessId, exit.TimestampNs, line);
            writer.WriteLine(line.Append(exit).ToString());
            return;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "exit"u8);
            json.WriteNumber("timestamp_ns"u8, exit.TimestampNs);
            json.WriteNumber("pid"u8, exit.ProcessId);
            json.WriteNumber("tid"u8, exit.ThreadId);
            if (exit.Status.ExitCode is { } code)
            {
                json.WriteNumber("exit_code"u8, code);
            }
            else
            {
                json.WriteNull("exit_code"u8);
            }
            if (exit.Status.Signal is { } signal)
            {
                json.WriteString("signal"u8, SignalNames.GetName(signal) ?? signal.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                json.WriteNull("signal"u8);
            }
            json.WriteBoolean("core_dumped"u8, exit.Status.CoreDumped);
            json.WriteEndObject();
        }
        writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static string GapsJson(SyscallHistory history)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "gaps"u8);
            json.WriteNumber("overwritten"u8, history.Overwritten);
            json.WriteStartArray("overwritten_per_cpu"u8);
            foreach (var count in history.OverwrittenPerCpu)
            {
                json.WriteNumberValue(count);
            }
            json.WriteEndArray();
            json.WriteNumber("missed_before_recording"u8, history.MissedBeforeRecording);
            json.WriteNumber("not_written"u8, history.NotWritten);
            json.WriteNumber("recording_since_ns"u8, history.RecordingSinceNs);
            json.WriteNumber("complete_since_ns"u8, history.CompleteSinceNs);
            json.WriteString("text"u8, history.DescribeGaps());
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
