using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop run -o json</c>: <c>exit_timestamp_ns</c> is null for a call whose thread held its CPU (no clock read at its
/// exit), unless <c>--exit-timestamps</c> asks for every call's.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopExitTimestampsTests
{
    [Fact]
    public async Task EveryReturnedCallHasItsExitTimeOnlyWithExitTimestamps()
    {
        var without = await ReturnedCallsAsync([]);
        var with = await ReturnedCallsAsync(["--exit-timestamps"]);

        Assert.Contains(without, c => c.Exit is null);
        Assert.True(with.Count > 5, $"only {with.Count} returned calls");
        Assert.All(with, c => Assert.True(c.Exit >= c.Entry, $"{c.Name} entered at {c.Entry} has exit time {c.Exit?.ToString() ?? "null"}"));
    }

    private static async Task<List<(string Name, ulong Entry, ulong? Exit)>> ReturnedCallsAsync(string[] options)
    {
        var run = await Tool.Traceloop.RunAsync(["run", "-o", "json", .. options, "--", "/bin/cat", "/etc/hostname"]);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        var calls = new List<(string, ulong, ulong?)>();
        foreach (var line in run.Error.Split('\n').Where(l => l.StartsWith("{\"timestamp_ns\"", StringComparison.Ordinal)))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.GetProperty("return").ValueKind == JsonValueKind.Null)
            {
                continue; // exit_group: it never returns
            }
            var exit = root.GetProperty("exit_timestamp_ns");
            calls.Add((root.GetProperty("name").GetString()!, root.GetProperty("timestamp_ns").GetUInt64(),
                exit.ValueKind == JsonValueKind.Null ? null : exit.GetUInt64()));
        }
        Assert.True(calls.Count > 0, $"{run.CommandLine}: no JSON history on standard error:\n{run.Error}");
        return calls;
    }
}
