using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent streams trace dns (GET /gadgets/dns): a query from this process to a responder of the test on a 127/8 address
/// of the host's loopback (no resolver is asked) and its answer arrive on the stream as valid JSON, paired by id.
/// </summary>
public sealed class AgentDnsTests(AgentHostFixture agent) : IClassFixture<AgentHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DnsStreamsAHostQueryAndItsResponse()
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync("gadgets/dns", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var reading = new CancellationTokenSource(Timeout);
        Assert.Contains("\"type\":\"attached\"", await lines.ReadLineAsync(reading.Token), StringComparison.Ordinal);

        var name = $"agent-{Guid.NewGuid():N}"[..18] + ".gadget.test";
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        server.Bind(new IPEndPoint(new IPAddress([127, 53, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]), 53));
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 })
        {
            byte[] question = [.. name.Split('.').SelectMany(l => (byte[])[(byte)l.Length, .. System.Text.Encoding.ASCII.GetBytes(l)]), 0, 0, 1, 0, 1];
            client.SendTo([0x5B, 0x01, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. question], server.LocalEndPoint!);
            var buffer = new byte[512];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            server.ReceiveFrom(buffer, ref from);
            server.SendTo([0x5B, 0x01, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, .. question, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 53, 10, 1], from);
            client.Receive(buffer);
        }

        var seen = new List<JsonElement>();
        while (!seen.Any(e => e.GetProperty("qr").GetString() == "R") && await lines.ReadLineAsync(reading.Token) is { } line)
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("type").GetString() == "event" && e.GetProperty("name").GetString() == name)
            {
                seen.Add(e);
            }
        }
        var query = Assert.Single(seen, e => e.GetProperty("qr").GetString() == "Q");
        var answer = Assert.Single(seen, e => e.GetProperty("qr").GetString() == "R");
        Assert.Equal(("dns", 0x5B01, "A"), (query.GetProperty("gadget").GetString(), query.GetProperty("id").GetInt32(), query.GetProperty("qtype").GetString()));
        Assert.Equal(["10.53.10.1"], answer.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.True(answer.GetProperty("latencyMs").GetDouble() >= 0);
    }
}
