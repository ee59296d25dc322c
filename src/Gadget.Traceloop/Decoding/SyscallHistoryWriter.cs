using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Writes a whole history the way strace prints a trace: each syscall, and each process's end (<c>+++ exited with 139 +++</c>,
/// <c>+++ killed by SIGSEGV (core dumped) +++</c>) where it happened; first, when the history does not hold everything, a
/// line that says what it lacks (<see cref="SyscallHistory.DescribeGaps"/>). As text, or as JSON Lines: syscalls as
/// <see cref="SyscallJsonFormatter"/> writes them, then <c>{"type":"exit",...}</c> and <c>{"type":"gaps",...}</c> records.
/// </summary>
public sealed class SyscallHistoryWriter
{
    private readonly bool _json;
    private readonly SyscallCatalog? _catalog;

    /// <summary>Creates a writer of text (strace's lines) or of JSON Lines.</summary>
    /// <param name="json">JSON Lines instead of text.</param>
    /// <param name="catalog">The syscall catalog of the recorded machine; this machine's by default.</param>
    public SyscallHistoryWriter(bool json = false, SyscallCatalog? catalog = null)
    {
        _json = json;
        _catalog = catalog;
    }

    /// <summary>Writes <paramref name="history"/> to <paramref name="writer"/>, a line each.</summary>
    /// <param name="history">A <see cref="SyscallHistory"/> (with its process exits and gaps), or any list of syscalls.</param>
    /// <param name="writer">Where to.</param>
    public void Write(IReadOnlyList<SyscallRecord> history, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(writer);
        var multiThread = history.Select(r => r.ThreadId).Distinct().Skip(1).Any();
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { IncludeThreadId = multiThread }, _catalog);
        var json = new SyscallJsonFormatter(formatter);
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
                WriteExit(exits[next], multiThread, writer);
            }
            writer.WriteLine(_json ? json.Format(record) : formatter.Format(record));
        }
        for (; next < exits.Count; next++)
        {
            WriteExit(exits[next], multiThread, writer);
        }
    }

    private void WriteExit(ProcessExit exit, bool multiThread, TextWriter writer)
    {
        if (!_json)
        {
            writer.WriteLine(multiThread ? $"[pid {exit.ProcessId.ToString(CultureInfo.InvariantCulture)}] {exit}" : exit.ToString());
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
