using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>The agent streams tcpdrop and tcpretrans (GET /gadgets/NAME): a real drop on loopback arrives on the stream, valid JSON.</summary>
public sealed class AgentTcpGadgetsTests(AgentHostFixture agent) : IClassFixture<AgentHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TcpdropStreamsTheDropOfASynToAClosedPort()
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync("gadgets/tcpdrop", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var reading = new CancellationTokenSource(Timeout);
        Assert.Contains("\"type\":\"attached\"", await lines.ReadLineAsync(reading.Token), StringComparison.Ordinal);

        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        }
        JsonElement? drop = null;
        while (drop is null && await lines.ReadLineAsync(reading.Token) is { } line)
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("type").GetString() == "event" && e.GetProperty("dport").GetInt32() == port)
            {
                drop = e;
            }
        }
        Assert.NotNull(drop);
        Assert.Equal(("tcpdrop", "NO_SOCKET", "SYN", "127.0.0.1"), (drop.Value.GetProperty("gadget").GetString(), drop.Value.GetProperty("reason").GetString(),
            drop.Value.GetProperty("tcpflags").GetString(), drop.Value.GetProperty("daddr").GetString()));
    }

    [Fact]
    public async Task TcpretransAttaches()
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync("gadgets/tcpretrans", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var reading = new CancellationTokenSource(Timeout);
        var attached = JsonDocument.Parse(await lines.ReadLineAsync(reading.Token) ?? "{}").RootElement;
        Assert.Equal(("attached", "tcpretrans"), (attached.GetProperty("type").GetString(), attached.GetProperty("gadget").GetString()));
    }
}
