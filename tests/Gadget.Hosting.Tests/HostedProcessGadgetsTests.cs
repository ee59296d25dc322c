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
/// exitsnoop, bindsnoop and mountsnoop added to a real generic host: each started with the host, reported attached by the
/// health check, and each reporting a real event of this test (a child's exit, a bind of this process, a mount in a
/// private mount namespace) with what the kernel gave the caller.
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
