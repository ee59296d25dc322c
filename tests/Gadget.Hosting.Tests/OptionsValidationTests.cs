using Gadget.Hosting;
using Gadget.Traceloop;
using Gadget.Traceloop.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gadget.Hosting.Tests;

/// <summary>Options bound from configuration and checked when the host starts: a bad value stops the start naming its key.</summary>
public sealed class OptionsValidationTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddExecSnoop().AddTraceloop();
        return builder.Build();
    }

    [Fact]
    public async Task BadValuesStopTheStartAndNameTheirKeys()
    {
        using var host = Build(new()
        {
            ["Gadget:Containers:RuncStateRoots:0"] = "relative/runc",
            ["Gadget:Gadgets:execsnoop:RingBufferSize"] = "1000",
            ["Gadget:Traceloop:Tracer:PagesPerCpu"] = "48",
        });
        var errors = new List<string>();
        // Each options type fails on its own (the first one checked stops the start): collect them all.
        foreach (var check in new Action[]
        {
            () => _ = host.Services.GetRequiredService<IOptions<GadgetHostingOptions>>().Value,
            () => _ = host.Services.GetRequiredService<IOptionsMonitor<GadgetSettings>>().Get("execsnoop"),
            () => _ = host.Services.GetRequiredService<IOptions<TraceloopHostingOptions>>().Value,
        })
        {
            errors.Add(Assert.Throws<OptionsValidationException>(check).Message);
        }
        Assert.Contains("Gadget:Containers:RuncStateRoots holds 'relative/runc'", errors[0], StringComparison.Ordinal);
        Assert.Contains("Gadget:Gadgets:execsnoop:RingBufferSize is 1000", errors[1], StringComparison.Ordinal);
        Assert.Contains("Gadget:Traceloop:Tracer:PagesPerCpu is 48", errors[2], StringComparison.Ordinal);
        // ValidateOnStart: the host does not start (nothing is loaded into the kernel).
        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    [Fact]
    public async Task AKeyTraceloopDoesNotHaveStopsTheStartAndIsNamed()
    {
        using var host = Build(new() { ["Gadget:Traceloop:Tracer:ExitTimestamp"] = "true" }); // ExitTimestamps, misspelt
        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<IOptions<TraceloopHostingOptions>>().Value);
        Assert.Contains("Gadget:Traceloop", error.Message, StringComparison.Ordinal);
        Assert.Contains("ExitTimestamp", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        using var badSize = Build(new() { ["Gadget:Traceloop:Tracer:BufferCaptureBytes"] = "300" });
        var invalid = Assert.Throws<OptionsValidationException>(() => badSize.Services.GetRequiredService<IOptions<TraceloopHostingOptions>>().Value);
        Assert.Contains("Gadget:Traceloop:Tracer:BufferCaptureBytes is 300", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTraceloopOnTheServicesBindsFromTheConfigurationAddGadgetWasGiven()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gadget:Traceloop:Selector:PodName"] = "api-0" });
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget"));
        builder.Services.AddTraceloop(options => options.LoggedSyscalls = 3);
        using var host = builder.Build();
        var traceloop = host.Services.GetRequiredService<IOptions<TraceloopHostingOptions>>().Value;
        Assert.Equal("api-0", traceloop.Selector.PodName);
        Assert.Equal(3, traceloop.LoggedSyscalls);
        // One collection, one startup service, one set of health checks, whatever the number of calls.
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "GadgetStartupService");
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s is TraceloopBackgroundService);
    }

    [Fact]
    public void ConfigurationBindsSelectorsAndTracerSettings()
    {
        using var host = Build(new()
        {
            ["Gadget:Containers:RescanInterval"] = "00:00:05",
            ["Gadget:Gadgets:execsnoop:Selector:Namespace"] = "prod",
            ["Gadget:Gadgets:execsnoop:Selector:Labels:app.kubernetes.io/name"] = "web",
            ["Gadget:Gadgets:execsnoop:RingBufferSize"] = "65536",
            ["Gadget:Traceloop:Selector:Name"] = "api",
            ["Gadget:Traceloop:Selector:ContainerIndex"] = "1",
            ["Gadget:Traceloop:Tracer:PagesPerCpu"] = "16",
            ["Gadget:Traceloop:Tracer:BufferCaptureBytes"] = "64",
            ["Gadget:Traceloop:Tracer:ExitTimestamps"] = "true",
            ["Gadget:Traceloop:LoggedSyscalls"] = "7",
        });
        Assert.Equal(TimeSpan.FromSeconds(5), host.Services.GetRequiredService<IOptions<GadgetHostingOptions>>().Value.Containers.RescanInterval);
        var execsnoop = host.Services.GetRequiredService<IOptionsMonitor<GadgetSettings>>().Get("execsnoop");
        Assert.Equal(65536, execsnoop.RingBufferSize);
        var selector = execsnoop.Selector!.ToSelector();
        Assert.Equal("prod", selector.KubernetesNamespace);
        Assert.Equal("web", selector.Labels["app.kubernetes.io/name"]);
        // A gadget without a section traces the host (no selector).
        Assert.Null(host.Services.GetRequiredService<IOptionsMonitor<GadgetSettings>>().Get("opensnoop").Selector);
        var traceloop = host.Services.GetRequiredService<IOptions<TraceloopHostingOptions>>().Value;
        Assert.Equal("api", traceloop.Selector.Name);
        Assert.Equal(1, traceloop.Selector.ContainerIndex);
        Assert.Equal(16, traceloop.Tracer.PagesPerCpu);
        Assert.Equal(64, traceloop.Tracer.BufferCaptureBytes); // both were ignored
        Assert.True(traceloop.Tracer.ExitTimestamps);
        Assert.Equal(7, traceloop.LoggedSyscalls);
        // What the configuration did not say keeps its default.
        Assert.Equal(new TraceloopOptions().MaxContainers, traceloop.Tracer.MaxContainers);
    }
}
