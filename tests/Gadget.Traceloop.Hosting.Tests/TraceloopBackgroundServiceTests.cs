using Gadget.Bpf;
using Gadget.Containers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop.Hosting.Tests;

/// <summary>The hosted recorder in a real generic host, against the real kernel.</summary>
public sealed class TraceloopBackgroundServiceTests
{
    [Fact]
    public async Task AFailingCommandsHistoryIsLoggedAndRaisedWhileTheHostRuns()
    {
        var logs = new CapturingLoggerProvider();
        var callbacks = new List<TraceloopHistoryEventArgs>();
        var marker = $"/nonexistent-gadget-{Guid.NewGuid():N}";
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddTraceloop(options =>
        {
            options.Selector = new ContainerSelector { Name = "gadget-hosting-test-none" };
            options.LoggedSyscalls = 1000;
            options.OnHistory = history => { lock (callbacks) { callbacks.Add(history); } };
        });
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<TraceloopBackgroundService>();
        Assert.Contains(host.Services.GetServices<IHostedService>(), hosted => ReferenceEquals(hosted, service));
        var raised = new List<TraceloopHistoryEventArgs>();
        service.HistoryDumped += (_, e) => raised.Add(e);

        await host.StartAsync();
        try
        {
            await service.Started.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(service.Tracer);
            Assert.NotNull(service.Recorder);

            // Succeeding commands are not dumped.
            Assert.Equal(0, await service.RunCommandAsync("cat", ["/etc/hostname"]));
            Assert.Empty(raised);

            // A failing one is: `cat` of a missing file exits 1 after an openat that returned ENOENT.
            var exitCode = await service.RunCommandAsync("cat", [marker]);
            Assert.Equal(1, exitCode);
        }
        finally
        {
            await host.StopAsync();
        }
        Assert.Null(service.Tracer);

        var history = Assert.Single(raised);
        Assert.Equal(1, history.ExitCode);
        Assert.Null(history.Container);
        Assert.Contains(marker, history.Name);
        Assert.Same(history, Assert.Single(callbacks));
        var formatter = new Decoding.SyscallFormatter();
        var lines = history.History.Select(formatter.Format).ToArray();
        Assert.Contains(lines, line => line.StartsWith("openat(", StringComparison.Ordinal) && line.Contains($"\"{marker}\"", StringComparison.Ordinal) && line.Contains("ENOENT", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("exit_group(1)", StringComparison.Ordinal));

        // The same history went to the log, strace-like, as an error of the service's category.
        var logged = logs.Messages.Where(m => m.Category == typeof(TraceloopBackgroundService).FullName && m.Level == LogLevel.Error).Select(m => m.Message).ToArray();
        var entry = Assert.Single(logged);
        Assert.Contains("exited with code 1", entry);
        Assert.Contains($"openat(AT_FDCWD, \"{marker}\"", entry);
        // The tracer and the container collection logged through the host's logging too.
        Assert.Contains(logs.Messages, m => m.Category == typeof(TraceloopTracer).FullName && m.Message.StartsWith("Recording cgroup", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Category == typeof(TraceloopBackgroundService).FullName && m.Message.StartsWith("Traceloop is recording", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LibbpfMessagesGoToTheHostsLogging()
    {
        var logs = new CapturingLoggerProvider();
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Services.AddTraceloop(options => options.FollowContainers = false);
            using var host = builder.Build();
            await host.StartAsync();
            var service = host.Services.GetRequiredService<TraceloopBackgroundService>();
            Assert.Null(service.Recorder);
            await host.StopAsync();
            // Loading the recorder made libbpf talk (at debug level: object opened, maps created, programs loaded), through the
            // tracer's logger: no process-wide one.
            var libbpf = logs.Messages.Where(m => m.Category == typeof(TraceloopTracer).FullName && m.Message.StartsWith("libbpf: ", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(libbpf);
        }
    }
}
