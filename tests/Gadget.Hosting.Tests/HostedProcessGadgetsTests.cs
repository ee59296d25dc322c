using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gadget.Gadgets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Gadget.Hosting.Tests;

/// <summary>
/// exitsnoop, bindsnoop, mountsnoop, tcpretrans and tcpdrop added to a real generic host: each started with the host,
/// reported attached by the health check, and reporting a real event of this test (a child's exit, a bind of this process,
/// a mount in a private mount namespace, a SYN to a closed loopback port) with what the kernel gave the caller.
/// </summary>
public sealed class HostedProcessGadgetsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ExitBindAndMountGadgetsStartWithTheHostAndReportRealEvents()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddExitSnoop().AddBindSnoop().AddMountSnoop();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("gadget"));
            var programs = report.Entries["gadget-programs"].Data;
            Assert.All(new[] { "exitsnoop", "bindsnoop", "mountsnoop" }, name => Assert.Equal("attached", programs[name]));

            using var cts = new CancellationTokenSource(Patience);
            var exits = host.Services.GetRequiredService<ExitSnoop>().ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            var binds = host.Services.GetRequiredService<BindSnoop>().ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            var mounts = host.Services.GetRequiredService<MountSnoop>().ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);

            int childPid;
            using (var child = Process.Start("/bin/sh", ["-c", "exit 7"]))
            {
                childPid = child.Id;
                await child.WaitForExitAsync(cts.Token);
                Assert.Equal(7, child.ExitCode);
            }
            var exit = await NextAsync(exits, e => e.Pid == childPid);
            Assert.Equal(7, exit.ExitCode);
            Assert.Null(exit.Signal);

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            var bind = await NextAsync(binds, e => e.Pid == Environment.ProcessId && e.BoundPort == port);
            Assert.Equal(IPAddress.Loopback, bind.Address);
            Assert.Equal(0, bind.ReturnValue);

            var target = Directory.CreateTempSubdirectory("gadget-hosted-mount-").FullName;
            try
            {
                var source = "gadget-hosted-" + Guid.NewGuid().ToString("N")[..8];
                using (var mount = Process.Start("unshare", ["-m", "--propagation", "private", "mount", "-t", "tmpfs", source, target]))
                {
                    await mount.WaitForExitAsync(cts.Token);
                    Assert.Equal(0, mount.ExitCode);
                }
                var mounted = await NextAsync(mounts, e => e.Source == source);
                Assert.Equal(MountOperation.Mount, mounted.Operation);
                Assert.Equal(target, mounted.Target);
                Assert.Equal("tmpfs", mounted.FileSystemType);
                Assert.Equal(0, mounted.ReturnValue);
            }
            finally
            {
                Directory.Delete(target);
            }
            await exits.DisposeAsync();
            await binds.DisposeAsync();
            await mounts.DisposeAsync();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [SkippableFact]
    public async Task TcpDropStartsWithTheHostAndReportsARefusedConnect()
    {
        Skip.IfNot(Gadget.Bpf.Tests.KernelFeatures.Has(Gadget.Bpf.Tests.KernelFeatures.KfreeSkbReason), "skb:kfree_skb has no drop reason before Linux 5.17");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddTcpRetrans().AddTcpDrop();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("gadget"));
            var programs = report.Entries["gadget-programs"].Data;
            Assert.All(new[] { "tcpretrans", "tcpdrop" }, name => Assert.Equal("attached", programs[name]));

            using var cts = new CancellationTokenSource(Patience);
            var drops = host.Services.GetRequiredService<TcpDrop>().ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            // A port nothing listens on (bound, then closed): the SYN finds no socket and the kernel drops it.
            int closedPort;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            var refused = Assert.Throws<SocketException>(() => client.Connect(new IPEndPoint(IPAddress.Loopback, closedPort)));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
            var drop = await NextAsync(drops, e => e.DestinationPort == closedPort && e.SourcePort == clientPort);
            Assert.Equal(IPAddress.Loopback, drop.DestinationAddress);
            Assert.Equal("NO_SOCKET", drop.ReasonName);
            await drops.DisposeAsync();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<T> NextAsync<T>(IAsyncEnumerator<T> events, Func<T, bool> match)
    {
        while (await events.MoveNextAsync())
        {
            if (match(events.Current))
            {
                return events.Current;
            }
        }
        throw new InvalidOperationException($"the {typeof(T).Name} stream ended");
    }
}
