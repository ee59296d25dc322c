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
}
