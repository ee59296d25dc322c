using System.Text.Json;
using Gadget.Containers.Tests;

namespace Gadget.Agent.Tests;

/// <summary>
/// <c>gadget traceloop start --exit-timestamps</c> (<c>POST /traces {"exitTimestamps":true}</c>): the container's dumped
/// calls each have their <c>exit_timestamp_ns</c>; a trace without it leaves it null for calls that held their CPU (no
/// clock read at their exit: ContainerRecorder.ExitTimestamps). Both traces are recorders on the agent's one tracer
/// (AgentOneTracerTests); a container that both record shares one ring, timed at every exit while the trace with exit
/// timestamps records it.
/// </summary>
public sealed class AgentExitTimestampsTests(AgentHostFixture agent) : IClassFixture<AgentHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Short calls that hold their CPU (the shell's builtin read of a short file, a byte at a time: open, reads, close), and a
    // sleep that blocks.
    private const string Script = "sleep 1; for i in 1 2 3 4 5 6 7 8 9 10; do read x < /proc/sys/kernel/ostype; done; sleep 0.2; for i in 1 2 3 4 5 6 7 8 9 10; do read x < /proc/sys/kernel/ostype; done";

    [Fact]
    public async Task ATraceWithExitTimestampsTimesEveryReturnedCallAndOneWithoutDoesNot()
    {
        var prefix = RuncContainer.NewId("agent-exit");
        var plain = await StartTraceAsync(prefix); // both containers, and the older trace
        var clocked = await StartTraceAsync(prefix + "-on", "--exit-timestamps");
        try
        {
            var list = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "list");
            Assert.True(list.ExitCode == 0, list.Error);
            var traces = JsonDocument.Parse(list.Output).RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("exitTimestamps").GetBoolean());
            Assert.True(traces[clocked], "the trace started with --exit-timestamps is not listed with exitTimestamps true");
            Assert.False(traces[plain], "the trace started without --exit-timestamps is listed with exitTimestamps true");

            var with = await ReturnedCallsAsync(prefix + "-on");
            var without = await ReturnedCallsAsync(prefix + "-off");

            Assert.True(with.Count > 20, $"only {with.Count} returned calls");
            Assert.All(with, c => Assert.True(c.Exit >= c.Entry, $"{c.Name} entered at {c.Entry} has exit time {c.Exit?.ToString() ?? "null"}"));
            Assert.Contains(without, c => c.Exit is null);
        }
        finally
        {
            foreach (var id in (string[])[plain, clocked])
            {
                var stop = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "stop", id);
                Assert.True(stop.ExitCode == 0, stop.Error);
            }
        }
    }

    private async Task<string> StartTraceAsync(string idPrefix, params string[] options)
    {
        var start = await agent.RunClientAsync(["--agent", agent.SocketAgent, "traceloop", "start", "--id", idPrefix, .. options]);
        Assert.True(start.ExitCode == 0, $"traceloop start --id {idPrefix} {string.Join(' ', options)}: exit {start.ExitCode}: {start.Error}");
        return start.Output.Trim();
    }

    /// <summary>Runs a container whose id starts with <paramref name="idPrefix"/> to its end and reads its calls that returned.</summary>
    private async Task<List<(string Name, ulong Entry, ulong? Exit)>> ReturnedCallsAsync(string idPrefix)
    {
        using var container = RuncContainer.Run(RuncContainer.NewId(idPrefix), ["sh", "-c", Script]);
        Assert.True(container.WaitStopped(Timeout), "the container did not stop");
        var dump = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "dump", container.Id, "--output", "json");
        Assert.True(dump.ExitCode == 0, $"dump {container.Id}: exit {dump.ExitCode}: {dump.Error}");
        var calls = new List<(string, ulong, ulong?)>();
        foreach (var line in dump.Output.Split('\n').Where(l => l.StartsWith("{\"timestamp_ns\"", StringComparison.Ordinal)))
        {
            var root = JsonDocument.Parse(line).RootElement;
            if (root.GetProperty("return").ValueKind == JsonValueKind.Null)
            {
                continue; // exit_group: it never returns
            }
            var exit = root.GetProperty("exit_timestamp_ns");
            calls.Add((root.GetProperty("name").GetString()!, root.GetProperty("timestamp_ns").GetUInt64(),
                exit.ValueKind == JsonValueKind.Null ? null : exit.GetUInt64()));
        }
        Assert.True(calls.Count > 0, $"no JSON history for {container.Id}:\n{dump.Output}");
        return calls;
    }
}
