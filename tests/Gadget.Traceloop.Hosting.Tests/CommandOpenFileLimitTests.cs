using System.Globalization;
using Gadget.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop.Hosting.Tests;

/// <summary>
/// <see cref="TraceloopBackgroundService.RunCommandAsync"/>'s command and its open-file limit: the .NET runtime raised this
/// host's soft RLIMIT_NOFILE to the hard one as it started, and the command inherited that whatever the host was told. It
/// now gets <c>Gadget:Traceloop:CommandOpenFileSoftLimit</c> (by default, the soft limit the host was started with, when
/// that can be told).
/// </summary>
public sealed class CommandOpenFileLimitTests : IDisposable
{
    private readonly string _limits = Path.Combine(Path.GetTempPath(), $"gadget-hosting-limits-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_limits);

    [Fact]
    public async Task TheCommandGetsTheConfiguredSoftLimitAndTheHostsHardOne()
    {
        var (ownSoft, hard) = OwnLimits();
        var soft = Math.Min(hard, 4096) / 4;
        Assert.True(soft < ownSoft, $"this host's soft limit {ownSoft} is no higher than the one the test sets ({soft})");

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gadget:Traceloop:FollowContainers"] = "false",
            ["Gadget:Traceloop:CommandOpenFileSoftLimit"] = soft.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddTraceloop();
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<TraceloopBackgroundService>();
        await host.StartAsync();
        try
        {
            Assert.Equal(0, await service.RunCommandAsync("sh", ["-c", $"ulimit -Sn > {_limits} && ulimit -Hn >> {_limits}"]));
        }
        finally
        {
            await host.StopAsync();
        }

        var lines = await File.ReadAllLinesAsync(_limits);
        Assert.Equal([soft.ToString(CultureInfo.InvariantCulture), hard.ToString(CultureInfo.InvariantCulture)], lines);
    }

    /// <summary>This process's soft and hard open-file limits.</summary>
    private static (ulong Soft, ulong Hard) OwnLimits()
    {
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files ", StringComparison.Ordinal));
        var fields = line["Max open files ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (ulong.Parse(fields[0], CultureInfo.InvariantCulture), ulong.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
