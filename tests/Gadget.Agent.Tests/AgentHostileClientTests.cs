using System.Net;
using System.Text;
using System.Text.Json;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>
/// A caller the operator let in (root here, or uid 65534 with <c>--allow-uid</c>) that sends what no client of the
/// agent's would: request bodies far larger than a selector, control characters in the names it asks for, trace after
/// trace. The agent answers it with a 4xx and keeps serving the others.
/// </summary>
[Collection("agent processes")]
public sealed class AgentHostileClientTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-hostile-");

    private string Socket => Path.Combine(_directory.FullName, "agent.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task HugeTraceRequest_Is413_AndNothingOfItIsKept()
    {
        // Every POST /traces of a 25 MB name used to be read, kept in the trace's selector and logged: 8 of them took the
        // agent from 78 MB to 1.8 GB of memory and wrote 295 MB of log (the DaemonSet's limit is 512 Mi).
        await using var agent = AgentProcess.Start(["--socket", Socket, "--rate", "0", "--kubernetes", "off"]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        using var http = GadgetCli.CreateHttpClient("unix:" + Socket);
        var name = new string('A', 1024 * 1024);
        // Expect: 100-continue, so that the client reads the refusal instead of failing to send the rest of the body.
        using var request = new HttpRequestMessage(HttpMethod.Post, "traces") { Content = new StringContent($"{{\"name\":\"{name}\"}}", Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var huge = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Contains("too large", await huge.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var traces = await http.GetAsync("traces");
        Assert.Equal("[]", await traces.Content.ReadAsStringAsync());
        Assert.DoesNotContain(new string('A', 1000), agent.Output, StringComparison.Ordinal);

        // A selector of ordinary size is still accepted.
        using var ordinary = await http.PostAsync("traces", new StringContent($"{{\"name\":\"{new string('b', 4000)}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, ordinary.StatusCode);
    }

    [Fact]
    public async Task ControlCharactersOfACaller_AreEscapedInTheLog_NoLineIsForged()
    {
        // A carriage return, an escape sequence that erases the terminal's line and a new line, in what a caller names:
        // written as they were, they made lines of the log that the agent never wrote.
        const string Forged = "\u001b[2K\rcrit: Forged[0]\n      uid 0 stopped trace 1";
        await using var agent = AgentProcess.Start(["--socket", Socket, "--rate", "0", "--kubernetes", "off"]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        using var http = GadgetCli.CreateHttpClient("unix:" + Socket);
        using var trace = await http.PostAsync("traces", new StringContent(JsonSerializer.Serialize(new { name = "web" + Forged }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, trace.StatusCode);
        using var history = await http.GetAsync("containers/abc%1B%5B2K%0Dcrit:%20Forged%5B0%5D/history");
        Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);
        using var unknown = await http.PostAsync("traces", new StringContent(JsonSerializer.Serialize(new Dictionary<string, int> { ["x" + Forged] = 1 }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        await Task.Delay(500); // the console logger writes on a thread of its own

        var output = agent.Output;
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("crit: Forged", StringComparison.Ordinal) || line.StartsWith("      uid 0 stopped", StringComparison.Ordinal));
        Assert.Contains("started trace 1 for name=web\\x1b[2K\\x0dcrit: Forged[0]\\x0a      uid 0 stopped trace 1", output, StringComparison.Ordinal);
        Assert.Contains("reads the history of container abc\\x1b[2K\\x0dcrit: Forged[0]", output, StringComparison.Ordinal);
        Assert.Contains("'x\\x1b[2K\\x0dcrit: Forged[0]\\x0a      uid 0 stopped trace 1' could not be mapped", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracesOfOneCaller_AreBounded_AnotherCallerCanStillStartOne()
    {
        // Traces outlive their caller's connection: uid 65534 used to start all 32 (--max-traces) and leave root a 503.
        Processes.Chmod("755", _directory.FullName);
        await using var agent = AgentProcess.Start(["--socket", Socket, "--rate", "0", "--kubernetes", "off", "--allow-uid", Processes.Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        var started = 0;
        (int ExitCode, string Output, string Error) refused = default;
        for (var i = 0; i < new AgentOptions().MaxTraces; i++)
        {
            var start = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "traceloop", "start", "--name", $"gadget-hostile-{i}");
            if (start.ExitCode != 0)
            {
                refused = start;
                break;
            }
            started++;
        }
        Assert.Equal(new AgentOptions().MaxTracesPerCaller, started);
        Assert.Contains($"too many traces from uid:{Processes.Nobody}: {started} running, at most {started} per caller (--max-traces-per-caller)", refused.Error, StringComparison.Ordinal);

        using var http = GadgetCli.CreateHttpClient("unix:" + Socket);
        using var root = await http.PostAsync("traces", new StringContent("{\"name\":\"gadget-hostile-root\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, root.StatusCode);
    }
}
