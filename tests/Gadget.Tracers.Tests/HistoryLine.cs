using System.Text.Json;
using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;

namespace Gadget.Tracers.Tests;

/// <summary>One syscall of a history, from any tracer: its name, process, rendered arguments and return value.</summary>
internal sealed record HistoryLine(string Name, int ProcessId, int ThreadId, IReadOnlyList<string> Arguments, long? Return, ulong TimestampNs, ulong? ExitTimestampNs)
{
    internal static HistoryLine From(SyscallRecord record, SyscallFormatter formatter)
    {
        var json = new SyscallJsonFormatter(formatter).Format(record);
        return FromJson(json);
    }

    internal static HistoryLine FromJson(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return new HistoryLine(
            root.GetProperty("name").GetString()!,
            root.GetProperty("pid").GetInt32(),
            root.GetProperty("tid").GetInt32(),
            [.. root.GetProperty("args").EnumerateArray().Select(a => a.ToString())],
            root.GetProperty("return").ValueKind == JsonValueKind.Null ? null : root.GetProperty("return").GetInt64(),
            root.GetProperty("timestamp_ns").GetUInt64(),
            root.TryGetProperty("exit_timestamp_ns", out var exit) && exit.ValueKind == JsonValueKind.Number ? exit.GetUInt64() : null);
    }

    internal static List<HistoryLine> ParseJsonLines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("{\"timestamp_ns\"", StringComparison.Ordinal)).Select(FromJson)];

    /// <summary>
    /// Asserts what every tracer must show of a marker container: the history begins with the execve of its program by its
    /// init process (returned 0), and the first syscall that process entered after the execve returned opens the container's
    /// marker path. (Other threads of the runtime's process may enter syscalls while its execve runs, before it kills them.)
    /// </summary>
    internal static void AssertStartsWithExecveThenMarker(IReadOnlyList<HistoryLine> history, int initPid, string marker, string who)
    {
        Assert.True(history.Count > 0, $"{who}: empty history");
        var first = history[0];
        Assert.True(first is { Name: "execve", Return: 0 } && first.ProcessId == initPid,
            $"{who}: the history begins with {first.Name} by {first.ProcessId} (= {first.Return}), not the init's ({initPid}) execve: {string.Join(" | ", history.Take(5))}");
        // An execve that held its CPU from entry to exit has no exit time (TraceloopOptions.ExitTimestamps). Other threads
        // may have entered syscalls meanwhile on other CPUs, so the new program's first syscall is then the next one of the
        // process's leader thread, which the exec'ing thread becomes: had the execve waited for other threads (the old
        // leader among them) to die, it would have been switched out, and its exit time read.
        var next = first.ExitTimestampNs is { } exited
            ? history.Skip(1).FirstOrDefault(l => l.ProcessId == initPid && l.TimestampNs > exited)
            : history.Skip(1).FirstOrDefault(l => l.ThreadId == initPid);
        Assert.True(next is { Name: "openat" } && next.Arguments.Count > 1 && next.Arguments[1].Contains(marker, StringComparison.Ordinal),
            $"{who}: after execve the init's first syscall is {next}, not openat of {marker}");
    }
}
