using Gadget.Gadgets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Gadget.Hosting.Tests;

/// <summary>
/// filetop added to a real generic host with its settings from configuration: started with the host, reported attached
/// by the health check, and counting the bytes this test writes to a file of its own.
/// </summary>
public sealed class HostedFileTopTests
{
    [Fact]
    public async Task FileTopStartsWithTheHostAndCountsAFilesWrites()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gadget:Gadgets:filetop:Interval"] = "00:00:00.2" });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddFileTop();
        using var host = builder.Build();
        await host.StartAsync();
        var path = Path.Combine(Path.GetTempPath(), "ft-hosted-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("gadget"));
            Assert.Equal("attached", report.Entries["gadget-programs"].Data["filetop"]);
            var gadget = host.Services.GetRequiredService<FileTop>();
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0))
            {
                file.Write(new byte[4321]);
            }
            var name = Path.GetFileName(path);
            var row = Assert.Single(gadget.Collect().Files, r => r.Pid == Environment.ProcessId && r.Name == name);
            Assert.Equal((1, 4321L), (row.Writes, row.WriteBytes));
        }
        finally
        {
            File.Delete(path);
            await host.StopAsync();
        }
    }
}
