using System.Collections.Concurrent;
using System.Diagnostics;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;

namespace Gadget.Tracers.Tests;

/// <summary>How processes and containers ended, as the kernel reported it: a signal is never an exit code, a crash never a clean exit.</summary>
[Collection(KernelCollection.Name)]
public sealed class ExitStatusTests
{
    [Fact]
    public async Task ContainersEndingBySegfaultExit139ExitZeroAndSigkillAreToldApart()
    {
        var prefix = RuncContainer.NewId("exit");
        await using var tracer = TraceloopTracer.Start();
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        var crashed = new ConcurrentDictionary<string, ContainerHistoryEventArgs>();
        recorder.ContainerCrashed += (_, e) => crashed[e.Container.Id] = e;

        using var segv = MarkerContainer.Start(prefix + "-segv", "segv");
        using var exit139 = MarkerContainer.Start(prefix + "-139", "exit", "139");
        using var clean = MarkerContainer.Start(prefix + "-0", "exit", "0");
        using var killed = MarkerContainer.Start(prefix + "-kill");
        var killedPid = killed.Pid;
        await WaitAsync(() => recorder.Containers.Any(c => c.Id == killed.Id));
        killed.Kill("KILL");
        foreach (var container in (RuncContainer[])[segv, exit139, clean, killed])
        {
            Assert.True(container.WaitStopped(TimeSpan.FromSeconds(20)), $"{container.Id} did not stop");
        }
        await WaitAsync(() => crashed.Count >= 3);

        Assert.Equal([exit139.Id, killed.Id, segv.Id], crashed.Keys.Order(StringComparer.Ordinal));
        var bySignal = crashed[segv.Id].ExitStatus;
        Assert.Equal(11, bySignal.Signal);
        Assert.Null(bySignal.ExitCode);
        Assert.Equal(11, Init(crashed[segv.Id]).Status.Signal);
        var byCode = crashed[exit139.Id].ExitStatus;
        Assert.Equal(139, byCode.ExitCode);
        Assert.Null(byCode.Signal);
        Assert.Equal(139, Init(crashed[exit139.Id]).Status.ExitCode);
        Assert.Equal(9, crashed[killed.Id].ExitStatus.Signal);
        Assert.Equal(killedPid, Init(crashed[killed.Id]).ProcessId);

        // The clean one is no crash, and its history says it exited with 0.
        var cleanHistory = recorder.Dump(clean.Id);
        var cleanExit = Assert.Single(cleanHistory.ProcessExits);
        Assert.Equal(0, cleanExit.Status.ExitCode);
        Assert.Null(cleanExit.Status.Signal);
    }

    [Theory]
    [InlineData("exit 139", 139, "+++ exited with 139 +++")]
    [InlineData("exit 0", 0, "+++ exited with 0 +++")]
    [InlineData("kill -SEGV $$", 139, "+++ killed by SIGSEGV")]
    [InlineData("kill -KILL $$", 137, "+++ killed by SIGKILL +++")]
    public async Task TraceloopRunEndsWithTheKernelsExitStatus(string script, int exitCode, string lastLine)
    {
        var (code, _, error) = await TraceloopCli.RunAsync("run", "--", "/bin/sh", "-c", script);
        var last = error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith(lastLine, last, StringComparison.Ordinal);
        Assert.Equal(exitCode, code);
    }

    [Fact]
    public async Task TracedCommandReportsARealSegfaultAsASignal()
    {
        await using var tracer = TraceloopTracer.Start();
        await using var command = TracedCommand.Start(tracer, MarkerContainer.Program, ["/marker-segv", "segv"]);
        Assert.Equal(139, await command.WaitForExitAsync()); // what a shell would say
        var status = command.GetExitStatus();
        Assert.NotNull(status);
        Assert.Equal(11, status.Value.Signal);
        Assert.Null(status.Value.ExitCode);
        var history = command.Dump();
        Assert.Equal("openat", Gadget.Traceloop.Decoding.SyscallTable.Current.GetName(history[1].Number));
        Assert.Equal(command.ProcessId, Assert.Single(history.ProcessExits).ProcessId);
    }

    private static ProcessExit Init(ContainerHistoryEventArgs e) => e.History.ProcessExits.Last(x => x.ProcessId == e.Container.Pid);

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.True(condition(), "timed out");
    }
}
