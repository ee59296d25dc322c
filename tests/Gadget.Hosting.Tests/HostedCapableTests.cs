using System.Diagnostics;
using Gadget.Bpf;
using Gadget.Bpf.Tests;
using Gadget.Gadgets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Gadget.Hosting.Tests;

/// <summary>
/// AddCapable in a real generic host: on a kernel without kprobes the host fails to start with the feature error and the
/// health check says capable failed; where kprobes exist it starts attached and reports a root chown's CAP_CHOWN check.
/// </summary>
public sealed class HostedCapableTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CapableStartsWithTheHostOrTheHostRefusesWithoutKprobes()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddCapable();
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        if (!KernelFeatures.Has(KernelFeatures.Kprobe))
        {
            var error = await Assert.ThrowsAsync<BpfFeatureNotSupportedException>(() => host.StartAsync());
            Assert.Equal("kprobe", error.Feature);
            var refused = await health.CheckHealthAsync(r => r.Tags.Contains("gadget"));
            Assert.Equal("failed", refused.Entries["gadget-programs"].Data["capable"]);
            Assert.Equal(HealthStatus.Unhealthy, refused.Entries["gadget-programs"].Status);
            return;
        }
        await host.StartAsync();
        try
        {
            var report = await health.CheckHealthAsync(r => r.Tags.Contains("gadget"));
            Assert.Equal("attached", report.Entries["gadget-programs"].Data["capable"]);
            using var cts = new CancellationTokenSource(Patience);
            var checks = host.Services.GetRequiredService<Capable>().ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            var file = Path.GetTempFileName();
            int pid;
            try
            {
                using var chown = Process.Start("chown", ["1234:1234", file]);
                chown.WaitForExit();
                pid = chown.Id;
            }
            finally
            {
                File.Delete(file);
            }
            CapabilityEvent? check = null;
            while (check is null && await checks.MoveNextAsync())
            {
                if (checks.Current.Pid == pid && checks.Current.Capability == 0)
                {
                    check = checks.Current;
                }
            }
            Assert.NotNull(check);
            Assert.Equal("CAP_CHOWN", check.CapabilityName);
            Assert.True(check.Allowed);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
