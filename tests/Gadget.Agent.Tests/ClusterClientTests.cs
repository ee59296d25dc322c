using System.Diagnostics;
using System.Text.Json;
using Gadget.Client;
using Gadget.Containers.Tests;

namespace Gadget.Agent.Tests;

/// <summary>
/// <c>gadget --kubeconfig</c> against two real agents behind the loopback API server (<see cref="ClusterFixture"/>): the
/// requests go through the pod proxy, which strips <c>Authorization</c>, so the agents only let them in by the
/// <c>X-Gadget-Agent-Token</c> header; each agent records its own runc containers; the answers are merged with the node.
/// </summary>
[Collection("agent processes")]
public sealed class ClusterClientTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Traceloop_EachNodesContainerIsRecordedByItsNodeAndDumpedWithItsName()
    {
        var proxiedBefore = cluster.Server.Proxied.Count;
        var prefixA = RuncContainer.NewId("cla");
        var prefixB = RuncContainer.NewId("clb");
        var markerA = "cluster-a-" + Guid.NewGuid().ToString("N")[..8];
        var markerB = "cluster-b-" + Guid.NewGuid().ToString("N")[..8];
        // One trace per node, each selecting only "its" containers (on this one machine both agents see every container).
        var idA = TraceId(await cluster.RunAsync("--node", "node-a", "traceloop", "start", "--id", prefixA), "node-a");
        var idB = TraceId(await cluster.RunAsync("--node", "node-b", "traceloop", "start", "--id", prefixB), "node-b");
        try
        {
            var list = await cluster.RunAsync("traceloop", "list");
            Assert.True(list.ExitCode == 0, list.Error);
            var traces = JsonDocument.Parse(list.Output).RootElement.EnumerateArray().ToList();
            Assert.Contains(traces, t => Node(t) == "node-a" && t.GetProperty("id").GetString() == idA && t.GetProperty("selector").GetString()!.Contains(prefixA, StringComparison.Ordinal));
            Assert.Contains(traces, t => Node(t) == "node-b" && t.GetProperty("id").GetString() == idB && t.GetProperty("selector").GetString()!.Contains(prefixB, StringComparison.Ordinal));
            Assert.DoesNotContain(traces, t => Node(t) == "node-b" && t.GetProperty("selector").GetString()!.Contains(prefixA, StringComparison.Ordinal));

            using var containerA = RuncContainer.Run(prefixA + "-m", ["sh", "-c", $"echo {markerA} > /dev/null; sleep 1; exit 0"]);
            using var containerB = RuncContainer.Run(prefixB + "-m", ["sh", "-c", $"echo {markerB} > /dev/null; sleep 1; exit 0"]);
            Assert.True(containerA.WaitStopped(Timeout), "container A did not stop");
            Assert.True(containerB.WaitStopped(Timeout), "container B did not stop");

            // Cluster-wide dumps: the node that recorded the container answers, the other's 404 is "not here".
            var dumpA = await cluster.RunAsync("traceloop", "dump", containerA.Id);
            Assert.True(dumpA.ExitCode == 0, dumpA.Error);
            var linesA = dumpA.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(linesA, l => l.StartsWith("node-a ", StringComparison.Ordinal) && l.Contains($"write(1, \"{markerA}\\n\", {markerA.Length + 1}) = {markerA.Length + 1}", StringComparison.Ordinal));
            Assert.All(linesA, l => Assert.StartsWith("node-a ", l, StringComparison.Ordinal));

            var dumpB = await cluster.RunAsync("traceloop", "dump", containerB.Id, "--output", "json");
            Assert.True(dumpB.ExitCode == 0, dumpB.Error);
            var recordsB = dumpB.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Contains(recordsB, r => r.GetRawText().Contains(markerB, StringComparison.Ordinal) && r.GetRawText().Contains("\"write\"", StringComparison.Ordinal));
            Assert.All(recordsB, r => Assert.Equal("node-b", Node(r)));

            // A container no node recorded: every node's 404, one line each, exit 1.
            var nowhere = await cluster.RunAsync("traceloop", "dump", "no-such-container-" + Guid.NewGuid().ToString("N")[..8]);
            Assert.Equal(1, nowhere.ExitCode);
            Assert.Equal(["node-a", "node-b"], ErrorNodes(nowhere.Error));
            Assert.All(ErrorLines(nowhere.Error), l => Assert.Contains("the agent answered 404", l, StringComparison.Ordinal));
        }
        finally
        {
            Assert.Equal(0, (await cluster.RunAsync("--node", "node-a", "traceloop", "stop", idA)).ExitCode);
            Assert.Equal(0, (await cluster.RunAsync("--node", "node-b", "traceloop", "stop", idB)).ExitCode);
        }

        // A cluster-wide start: a row per node; stopping a node's id elsewhere is that node's 404.
        var both = await cluster.RunAsync("traceloop", "start", "--id", RuncContainer.NewId("clc"));
        Assert.True(both.ExitCode == 0, both.Error);
        var rows = both.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NODE", "ID"], rows[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var ids = rows[1..].Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(["node-a", "node-b"], ids.Keys);
        foreach (var (node, id) in ids)
        {
            var stopped = await cluster.RunAsync("--node", node, "traceloop", "stop", id);
            Assert.True(stopped.ExitCode == 0, stopped.Error);
        }

        // Every request reached the agents without the user's Authorization, with the agents' token in its own header.
        var proxied = cluster.Server.Proxied.Skip(proxiedBefore).ToList();
        Assert.NotEmpty(proxied);
        Assert.All(proxied, p => Assert.EndsWith("authorization=no agent-token=yes", p, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Containers_AreListedPerNodeAndTheAgentsStillWantTheirToken()
    {
        using var container = RuncContainer.Run(RuncContainer.NewId("cll"), ["sh", "-c", "sleep 30"]);
        var found = await PollAsync(async () =>
        {
            var listed = await cluster.RunAsync("containers");
            Assert.True(listed.ExitCode == 0, listed.Error);
            var nodes = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().Where(c => c.GetProperty("id").GetString() == container.Id).Select(Node).Order().ToList();
            return nodes.SequenceEqual(["node-a", "node-b"]); // both agents run on this machine: each lists it, with its node
        });
        Assert.True(found, "the container was not listed by both nodes");

        var onlyB = await cluster.RunAsync("--node", "node-b", "containers");
        Assert.True(onlyB.ExitCode == 0, onlyB.Error);
        Assert.All(JsonDocument.Parse(onlyB.Output).RootElement.EnumerateArray(), c => Assert.Equal("node-b", Node(c)));
        Assert.Contains(JsonDocument.Parse(onlyB.Output).RootElement.EnumerateArray(), c => c.GetProperty("id").GetString() == container.Id);

        // Without the agents' token, the API server lets the user through but every agent refuses: one line per node.
        var output = new StringWriter();
        var error = new StringWriter();
        var previous = Environment.GetEnvironmentVariable(AgentConnection.TokenVariable);
        Environment.SetEnvironmentVariable(AgentConnection.TokenVariable, null);
        try
        {
            var code = await GadgetCli.RunAsync(["--kubeconfig", cluster.Kubeconfig, "containers"], output, error);
            Assert.Equal(1, code);
        }
        finally
        {
            Environment.SetEnvironmentVariable(AgentConnection.TokenVariable, previous);
        }
        Assert.Equal("", output.ToString());
        Assert.Equal(["node-a", "node-b"], ErrorNodes(error.ToString()));
        Assert.All(ErrorLines(error.ToString()), l => Assert.Contains("the agent answered 401", l, StringComparison.Ordinal));

        // A wrong token in the header: refused like a wrong bearer token.
        var guessed = Path.Combine(cluster.Directory, "guessed-token");
        File.WriteAllText(guessed, "0123456789abcdef0123456789abcdef\n");
        var wrong = new StringWriter();
        Assert.Equal(1, await GadgetCli.RunAsync(["--kubeconfig", cluster.Kubeconfig, "--token-file", guessed, "containers"], TextWriter.Null, wrong));
        Assert.Equal(["node-a", "node-b"], ErrorNodes(wrong.ToString()));
        Assert.All(ErrorLines(wrong.ToString()), l => Assert.Contains("the agent answered 401", l, StringComparison.Ordinal));

        var unknownNode = await cluster.RunAsync("--node", "node-z", "containers");
        Assert.Equal(1, unknownNode.ExitCode);
        Assert.Contains("no running agent pod on node 'node-z'", unknownNode.Error, StringComparison.Ordinal);
        Assert.Contains("node-a, node-b", unknownNode.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execsnoop_IsMergedWithTheNodeNames_AndNodeSelectsOne()
    {
        var marker = "cluster-exec-" + Guid.NewGuid().ToString("N")[..8];
        var json = await StreamUntilAsync(["execsnoop"], marker, lines => lines.Select(l => Node(JsonDocument.Parse(l).RootElement)).Distinct().Count() == 2);
        Assert.Equal(0, json.ExitCode);
        var events = json.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["node-a", "node-b"], events.Select(Node).Distinct().Order());
        Assert.All(events, e => Assert.Equal(["/bin/true", marker], e.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)));

        var columns = await StreamUntilAsync(["execsnoop", "-o", "columns"], marker, lines => lines.Select(l => l.Split(' ')[0]).Distinct().Count() == 2);
        Assert.Equal(0, columns.ExitCode);
        var header = columns.Output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NODE", "TIME", "CONTAINER"], header[..3]);
        Assert.Equal(["node-a", "node-b"], columns.Lines.Select(l => l.Split(' ')[0]).Distinct().Order());
        // The stream's own records, on standard error in columns, say whose they are.
        Assert.Contains("gadget: node node-a: ready: execsnoop attached on the agent", columns.Error, StringComparison.Ordinal);
        Assert.Contains("gadget: node node-b: ready: execsnoop attached on the agent", columns.Error, StringComparison.Ordinal);

        var before = cluster.Server.Proxied.Count(p => p.StartsWith("gadget-agent-a ", StringComparison.Ordinal));
        var onlyB = await StreamUntilAsync(["--node", "node-b", "execsnoop"], marker, lines => lines.Count >= 2);
        Assert.Equal(0, onlyB.ExitCode);
        Assert.All(onlyB.Lines, l => Assert.Equal("node-b", Node(JsonDocument.Parse(l).RootElement)));
        Assert.Equal(before, cluster.Server.Proxied.Count(p => p.StartsWith("gadget-agent-a ", StringComparison.Ordinal))); // node-a was never asked
    }

    [Fact]
    public async Task OneAgentDown_TheOtherAnswersAndTheDownNodeIsReported()
    {
        // Their own namespace: node-a's agent of the fixture, and node-c's, started here and then stopped.
        var (agentC, portC) = await cluster.StartAgentAsync("node-c");
        cluster.Server.SetPod("gadget-down", "gadget-agent-a", "node-a", cluster.AgentPorts["node-a"]);
        cluster.Server.SetPod("gadget-down", "gadget-agent-c", "node-c", portC);
        cluster.Server.SetPod("gadget-down", "gadget-agent-x", "node-x", 1, phase: "Pending"); // not running: not asked
        string[] down = ["--agent-namespace", "gadget-down"];
        using var container = RuncContainer.Run(RuncContainer.NewId("cld"), ["sh", "-c", "sleep 60"]);
        bool Lists(string output, string node) => JsonDocument.Parse(output).RootElement.EnumerateArray().Any(c => Node(c) == node && c.GetProperty("id").GetString() == container.Id);
        // A stream over both nodes, open while node-c's agent stops: node-c is reported, node-a's events go on.
        var output = new ObservedWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var stream = GadgetCli.RunAsync(["--kubeconfig", cluster.Kubeconfig, "--token-file", cluster.TokenFile, .. down, "execsnoop"], output, TextWriter.Synchronized(error), stop.Token);
        List<string?> NodesWith(string marker) => [.. output.Text.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal)).Select(l => Node(JsonDocument.Parse(l).RootElement)).Distinct().Order()];
        var before = "cluster-before-" + Guid.NewGuid().ToString("N")[..8];
        await using (agentC)
        {
            Assert.True(await PollAsync(async () =>
            {
                var up = await cluster.RunAsync([.. down, "containers"]);
                Assert.True(up.ExitCode == 0, up.Error);
                return Lists(up.Output, "node-a") && Lists(up.Output, "node-c");
            }), "both nodes did not list the container while both agents ran");
            Assert.True(await ExecUntilAsync(before, () => NodesWith(before).Count == 2, stream), $"both nodes' events did not arrive: {output.Text}\n{error}");
            Assert.Equal(["node-a", "node-c"], NodesWith(before));
        }
        Assert.True(await PollAsync(() => Task.FromResult(error.ToString().Contains("gadget: node node-c: ", StringComparison.Ordinal))), "node-c's end was not reported: " + error);
        var after = "cluster-after-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await ExecUntilAsync(after, () => NodesWith(after).Count > 0, stream), $"node-a's events stopped with node-c: {output.Text}\n{error}");
        Assert.Equal(["node-a"], NodesWith(after));
        stop.Cancel();
        Assert.Equal(1, await stream.WaitAsync(Timeout)); // a node failed
        Assert.Equal(["node-c"], ErrorNodes(error.ToString()));

        var containers = await cluster.RunAsync([.. down, "containers"]);
        Assert.Equal(1, containers.ExitCode);
        Assert.True(Lists(containers.Output, "node-a"), containers.Output);
        Assert.All(JsonDocument.Parse(containers.Output).RootElement.EnumerateArray(), c => Assert.Equal("node-a", Node(c)));
        Assert.Equal(["node-c"], ErrorNodes(containers.Error));
        Assert.Contains("the API server answered 503", containers.Error, StringComparison.Ordinal);
        Assert.Contains("error trying to reach service", containers.Error, StringComparison.Ordinal);

        var list = await cluster.RunAsync([.. down, "traceloop", "list"]);
        Assert.Equal(1, list.ExitCode);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(list.Output).RootElement.ValueKind);
        Assert.Equal(["node-c"], ErrorNodes(list.Error));

        // A new stream: node-c is reported at once, node-a's events arrive.
        var marker = "cluster-down-" + Guid.NewGuid().ToString("N")[..8];
        var fresh = await StreamUntilAsync([.. down, "execsnoop"], marker, lines => lines.Count >= 1);
        Assert.Equal(1, fresh.ExitCode);
        Assert.All(fresh.Lines, l => Assert.Equal("node-a", Node(JsonDocument.Parse(l).RootElement)));
        Assert.Equal(["node-c"], ErrorNodes(fresh.Error));
    }

    /// <summary>Execs /bin/true MARKER every 250 ms until <paramref name="done"/> (or the deadline, or the stream ended).</summary>
    private static async Task<bool> ExecUntilAsync(string marker, Func<bool> done, Task stream)
    {
        var deadline = Stopwatch.StartNew();
        while (!done() && deadline.Elapsed < Timeout && !stream.IsCompleted)
        {
            using (var process = Process.Start("/bin/true", [marker]))
            {
                await process.WaitForExitAsync();
            }
            await Task.Delay(250);
        }
        return done();
    }

    /// <summary>Streams <paramref name="args"/> and execs /bin/true MARKER until <paramref name="enough"/> of the marker's lines arrived; then stops the stream.</summary>
    private async Task<(int ExitCode, string Output, string Error, List<string> Lines)> StreamUntilAsync(string[] args, string marker, Func<List<string>, bool> enough)
    {
        var output = new ObservedWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var stream = GadgetCli.RunAsync(["--kubeconfig", cluster.Kubeconfig, "--token-file", cluster.TokenFile, .. args], output, TextWriter.Synchronized(error), stop.Token);
        List<string> Lines() => [.. output.Text.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal))];
        var deadline = Stopwatch.StartNew();
        while (!enough(Lines()) && deadline.Elapsed < Timeout && !stream.IsCompleted)
        {
            using (var process = Process.Start("/bin/true", [marker]))
            {
                await process.WaitForExitAsync();
            }
            await Task.Delay(250);
        }
        Assert.True(enough(Lines()), $"not enough lines with {marker}; output so far:\n{output.Text}\nerrors:\n{error}");
        stop.Cancel();
        var code = await stream.WaitAsync(Timeout);
        return (code, output.Text, error.ToString(), Lines());
    }

    private static string TraceId((int ExitCode, string Output, string Error) start, string node)
    {
        Assert.True(start.ExitCode == 0, start.Error);
        var rows = start.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length); // the header and the one node's row
        var row = rows[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(node, row[0]);
        return row[1];
    }

    private static string? Node(JsonElement item) =>
        item.TryGetProperty("k8s", out var k8s) && k8s.TryGetProperty("node", out var node) ? node.GetString() : null;

    private static string[] ErrorLines(string error) => error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string[] ErrorNodes(string error) =>
        [.. ErrorLines(error).Select(l => System.Text.RegularExpressions.Regex.Match(l, "^gadget: node ([^:]+): ")).Select(m => m.Success ? m.Groups[1].Value : "(not a node line: " + m.Value + ")").Order()];

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }
}
