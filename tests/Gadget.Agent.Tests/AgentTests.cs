using System.Diagnostics;
using System.Text.Json;
using Gadget.Client;
using Gadget.Containers.Tests;

namespace Gadget.Agent.Tests;

public sealed class AgentTests(AgentHostFixture agent) : IClassFixture<AgentHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TraceloopThroughTheClient_DumpsTheContainersMarkerWrite()
    {
        var prefix = RuncContainer.NewId("agent");
        var marker = "agent-marker-" + Guid.NewGuid().ToString("N")[..8];
        var start = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "start", "--id", prefix);
        Assert.True(start.ExitCode == 0, start.Error);
        var traceId = start.Output.Trim();
        Assert.NotEmpty(traceId);

        var list = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "list");
        Assert.Equal(0, list.ExitCode);
        var traces = JsonDocument.Parse(list.Output).RootElement.EnumerateArray().ToList();
        Assert.Contains(traces, t => t.GetProperty("id").GetString() == traceId && t.GetProperty("selector").GetString()!.Contains(prefix, StringComparison.Ordinal));

        using (var container = RuncContainer.Run(prefix + "-m", ["sh", "-c", $"echo {marker} > /dev/null; sleep 2; exit 0"]))
        {
            // The node's container list shows it while it runs.
            var listed = await PollAsync(async () =>
            {
                var containers = await agent.RunClientAsync([.. agent.HttpsAgent, "containers"]);
                Assert.Equal(0, containers.ExitCode);
                return JsonDocument.Parse(containers.Output).RootElement.EnumerateArray().Any(c => c.GetProperty("id").GetString() == container.Id);
            });
            Assert.True(listed, "the container never showed in 'gadget containers'");
            Assert.True(container.WaitStopped(Timeout), "the container did not stop");

            var text = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "dump", container.Id);
            Assert.True(text.ExitCode == 0, text.Error);
            Assert.Contains($"write(1, \"{marker}\\n\", {marker.Length + 1}) = {marker.Length + 1}", text.Output, StringComparison.Ordinal);

            var json = await agent.RunClientAsync([.. agent.HttpsAgent, "traceloop", "dump", container.Id, "--output", "json"]);
            Assert.True(json.ExitCode == 0, json.Error);
            var records = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Contains(records, r => r.GetRawText().Contains(marker, StringComparison.Ordinal) && r.GetRawText().Contains("\"write\"", StringComparison.Ordinal));
        }

        var stop = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "stop", traceId);
        Assert.True(stop.ExitCode == 0, stop.Error);
        var again = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "stop", traceId);
        Assert.Equal(1, again.ExitCode);
        var gone = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "dump", prefix);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("404", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecsnoopThroughTheClient_StreamsAProcessWithAUniqueArgv()
    {
        var marker = "agent-exec-" + Guid.NewGuid().ToString("N")[..8];
        var output = new ObservedWriter();
        using var stop = new CancellationTokenSource();
        var arrived = output.NextLine(line => line.Contains(marker, StringComparison.Ordinal));
        var stream = GadgetCli.RunAsync([.. agent.HttpsAgent, "execsnoop"], output, TextWriter.Null, stop.Token);

        // The stream attaches asynchronously: run the process until its exec shows up (or the deadline passes).
        var deadline = Stopwatch.StartNew();
        while (!arrived.IsCompleted && deadline.Elapsed < Timeout && !stream.IsCompleted)
        {
            using (var process = Process.Start("/bin/true", [marker]))
            {
                await process.WaitForExitAsync();
            }
            await Task.WhenAny(arrived, Task.Delay(250));
        }
        Assert.True(arrived.IsCompleted, $"no exec event with {marker}; output so far: {output.Text}");
        var exec = JsonDocument.Parse(await arrived).RootElement;
        Assert.Equal("execsnoop", exec.GetProperty("gadget").GetString());
        Assert.Equal("true", exec.GetProperty("comm").GetString());
        Assert.Equal(["/bin/true", marker], exec.GetProperty("args").EnumerateArray().Select(a => a.GetString()!));

        stop.Cancel();
        Assert.Equal(0, await stream.WaitAsync(Timeout));
    }

    [Fact]
    public async Task UnknownGadgetAndBadFlags_AreErrors()
    {
        var unknown = await agent.RunClientAsync([.. agent.HttpsAgent, "traceloop", "start", "--bogus", "x"]);
        Assert.Equal(2, unknown.ExitCode);
        var unreachable = await agent.RunClientAsync("--agent", "unix:/nonexistent/agent.sock", "containers");
        Assert.Equal(1, unreachable.ExitCode);
        // A missing socket is said as such, on one line, with what to do (not "Cannot assign requested address").
        Assert.Contains("no agent at unix:/nonexistent/agent.sock: /nonexistent/agent.sock does not exist", unreachable.Error, StringComparison.Ordinal);
        Assert.Single(unreachable.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }
}
