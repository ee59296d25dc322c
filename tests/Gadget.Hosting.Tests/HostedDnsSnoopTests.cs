using System.Net;
using System.Net.Sockets;
using Gadget.Gadgets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Gadget.Hosting.Tests;

/// <summary>
/// trace dns added to a real generic host (AddDnsSnoop): started with the host, reported attached by the health check,
/// and reporting a query of this test to a responder of the test on the host's loopback (no resolver is asked).
/// </summary>
public sealed class HostedDnsSnoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DnsSnoopStartsWithTheHostAndReportsAQueryAndItsAnswer()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddDnsSnoop();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("gadget"));
            Assert.Equal("attached", report.Entries["gadget-programs"].Data["dns"]);

            using var cts = new CancellationTokenSource(Patience);
            var events = host.Services.GetRequiredService<DnsSnoop>().ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            var name = $"hosted-{Guid.NewGuid():N}"[..19] + ".gadget.test";
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
            server.Bind(new IPEndPoint(new IPAddress([127, 53, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]), 53));
            using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 })
            {
                byte[] question = [.. name.Split('.').SelectMany(l => (byte[])[(byte)l.Length, .. System.Text.Encoding.ASCII.GetBytes(l)]), 0, 0, 28, 0, 1];
                client.SendTo([0x6C, 0x02, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. question], server.LocalEndPoint!);
                var buffer = new byte[512];
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                server.ReceiveFrom(buffer, ref from);
                server.SendTo([0x6C, 0x02, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, .. question, 0xC0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, .. IPAddress.Parse("fd00::53:6c").GetAddressBytes()], from);
                client.Receive(buffer);
            }
            DnsEvent? answer = null;
            while (answer is null && await events.MoveNextAsync())
            {
                if (events.Current.Name == name && events.Current.Direction == DnsDirection.Response)
                {
                    answer = events.Current;
                }
            }
            Assert.NotNull(answer);
            Assert.Equal(("AAAA", 0x6C02), (answer.QueryTypeName, answer.Id));
            Assert.Equal([IPAddress.Parse("fd00::53:6c")], answer.Addresses);
            Assert.NotNull(answer.Latency);
            await events.DisposeAsync();
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
