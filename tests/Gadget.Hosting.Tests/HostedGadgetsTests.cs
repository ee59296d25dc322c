using System.Diagnostics.Metrics;
using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Gadgets;
using Gadget.Traceloop;
using Gadget.Traceloop.Hosting;
using Gadget.Traceloop.Hosting.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gadget.Hosting.Tests;

/// <summary>Gadget in a real generic host against the real kernel: one shared collection, DI loggers, health, metrics, history streams.</summary>
public sealed class HostedGadgetsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static IHost Build(CapturingLoggerProvider logs, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddGadget(builder.Configuration.GetSection("Gadget")).AddExecSnoop().AddTraceloop();
        return builder.Build();
    }

    [Fact]
    public async Task OneCollectionServesTheGadgetAndTheRecorderAndEveryEndIsStreamed()
    {
        var id = RuncContainer.NewId("hosting");
        var logs = new CapturingLoggerProvider();
        using var host = Build(logs, new()
        {
            ["Gadget:Gadgets:execsnoop:Selector:Name"] = id,
            ["Gadget:Traceloop:Selector:Name"] = id,
        });
        var measured = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name is GadgetMetrics.MeterName or ContainerMetrics.MeterName or TraceloopMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }
            lock (measured)
            {
                measured[key] = measured.GetValueOrDefault(key) + value;
            }
        });
        listener.Start();

        await host.StartAsync();
        try
        {
            var containers = host.Services.GetRequiredService<ContainerCollection>();
            var execs = host.Services.GetRequiredService<ExecSnoop>();
            var service = host.Services.GetRequiredService<TraceloopBackgroundService>();
            Assert.True(service.IsRecording);

            // Every check of the host: the machine (BTF, libbpf, root), the programs (collection, execsnoop), traceloop.
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("gadget"));
            Assert.Equal(["gadget-environment", "gadget-programs", "traceloop"], report.Entries.Keys.Order(StringComparer.Ordinal));
            Assert.True(report.Status == HealthStatus.Healthy, string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Description}")));
            Assert.Equal(BpfEnvironment.LibbpfVersion.ToString(), report.Entries["gadget-environment"].Data["libbpf"]);
            Assert.Equal("attached", report.Entries["gadget-programs"].Data["execsnoop"]);

            using var cts = new CancellationTokenSource(Patience);
            var added = WaitAddedAsync(containers, id, cts.Token);
            var exits = service.Recorder!.WatchExitsAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            var nextExit = exits.MoveNextAsync().AsTask();
            var exec = FirstExecAsync(execs, cts.Token);
            // Created, not started: its init waits for 'runc start' while the collection registers it (and selects it in the
            // kernel), so the exec of its program is traced; /bin/cat by path is an exec of its own (not a shell builtin).
            using (var container = RuncContainer.Create(id, ["sh", "-c", "/bin/cat /etc/hostname; exit 0"], start: false))
            {
                var known = await added;
                container.Start();
                var seen = await exec;
                // The gadget resolved the event's cgroup with the host's one collection: the very instance it announced.
                Assert.Same(known, seen.Container);
                Assert.True(await nextExit, "no history came for the container's end");
                var ended = exits.Current;
                Assert.Equal(id, ended.Container.Id);
                Assert.Equal(0, ended.ExitStatus.ExitCode);
                Assert.False(ended.IsCrash);
                var formatter = new Gadget.Traceloop.Decoding.SyscallFormatter();
                Assert.Contains(ended.History, s => formatter.Format(s).Contains("\"/etc/hostname\"", StringComparison.Ordinal));
            }
            await exits.DisposeAsync();

            // The clean end went to the log at information level; no error was logged for it.
            Assert.Contains(logs.Messages, m => m.Category == typeof(TraceloopBackgroundService).FullName && m.Level == LogLevel.Information
                && m.Message.StartsWith($"{id} ({id}) exited with code 0;", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Messages, m => m.Level >= LogLevel.Error && m.Message.Contains(id, StringComparison.Ordinal));
        }
        finally
        {
            await host.StopAsync();
        }
        listener.RecordObservableInstruments();
        lock (measured)
        {
            var all = string.Join(", ", measured.Select(m => $"{m.Key}={m.Value}"));
            Assert.True(measured.GetValueOrDefault("gadget.gadgets.events|gadget=execsnoop") >= 1, all);
            Assert.True(measured.GetValueOrDefault("gadget.containers.added") >= 1, all);
            Assert.True(measured.GetValueOrDefault("gadget.containers.removed|exit=code") >= 1, all);
            Assert.True(measured.GetValueOrDefault("gadget.traceloop.containers.recorded") >= 1, all);
            Assert.True(measured.GetValueOrDefault("gadget.traceloop.containers.ended|crash=False") >= 1, all);
        }
    }

    [Fact]
    public async Task TwoHostsInOneProcessLogThroughTheirOwnLoggers()
    {
        var first = new CapturingLoggerProvider();
        var second = new CapturingLoggerProvider();
        using var one = Build(first, new() { ["Gadget:Gadgets:execsnoop:Selector:Name"] = "gadget-hosting-none-1" });
        using var two = Build(second, new() { ["Gadget:Gadgets:execsnoop:Selector:Name"] = "gadget-hosting-none-2" });
        await one.StartAsync();
        await two.StartAsync();
        await two.StopAsync();
        await one.StopAsync();
        // Each host's gadget and recorder were loaded with that host's loggers: libbpf's messages of each load went to its own host.
        foreach (var logs in new[] { first, second })
        {
            Assert.Contains(logs.Messages, m => m.Category == typeof(ExecSnoop).FullName && m.Message.StartsWith("libbpf: ", StringComparison.Ordinal));
            Assert.Contains(logs.Messages, m => m.Category == typeof(TraceloopTracer).FullName && m.Message.StartsWith("libbpf: ", StringComparison.Ordinal));
            Assert.Contains(logs.Messages, m => m.Category == typeof(ContainerCollection).FullName);
        }
        Assert.Contains(first.Messages, m => m.Message.Contains("gadget-hosting-none-1", StringComparison.Ordinal));
        Assert.DoesNotContain(first.Messages, m => m.Message.Contains("gadget-hosting-none-2", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Messages, m => m.Message.Contains("gadget-hosting-none-1", StringComparison.Ordinal));
    }

    private static async Task<Container> WaitAddedAsync(ContainerCollection containers, string id, CancellationToken cancellationToken)
    {
        await foreach (var change in containers.WatchAsync(cancellationToken))
        {
            if (change.Kind == ContainerEventKind.Added && change.Container.Id == id)
            {
                return change.Container;
            }
        }
        throw new InvalidOperationException("the collection ended");
    }

    private static async Task<ExecEvent> FirstExecAsync(ExecSnoop execs, CancellationToken cancellationToken)
    {
        await foreach (var e in execs.ReadAsync(cancellationToken))
        {
            if (e.Container is not null && e.Comm == "cat")
            {
                return e;
            }
        }
        throw new InvalidOperationException("execsnoop ended");
    }
}
