using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Tracers.Tests;

/// <summary>Three tracers record the same containers at once, each in its own BPF programs and rings.</summary>
[Collection(KernelCollection.Name)]
public sealed class SideBySideTests(ITestOutputHelper output)
{
    private const int Containers = 50;
    private const int StartedAtOnce = 5;

    /// <summary>Each tracer's pool of rings kept ready for new containers: more than a batch. A burst bigger than the pool
    /// misses the first syscalls of the containers past it until the pool refills (counted, not silent: see
    /// SyscallHistory.MissedBeforeRecording); with the default of 4, a batch of 5 did so now and then.</summary>
    private const int SpareRings = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheAgentAWatchAndALibraryTracerEachRecordEveryNewContainerFromItsExecve()
    {
        var prefix = RuncContainer.NewId("side");
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { SpareRings = SpareRings });
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        await using var agent = await AgentInProcess.StartAsync("--spare-rings", $"{SpareRings}");
        await agent.StartTraceAsync(prefix);
        using var watch = WatchProcess.Launch("--spare-rings", $"{SpareRings}", "--id", prefix);
        await watch.WaitReadyAsync(Timeout);

        var containers = new List<RuncContainer>();
        try
        {
            for (var batch = 0; batch < Containers / StartedAtOnce; batch++)
            {
                var started = await Task.WhenAll(Enumerable.Range(0, StartedAtOnce).Select(i =>
                    Task.Run(() => MarkerContainer.Start($"{prefix}-{batch * StartedAtOnce + i:D2}"))));
                containers.AddRange(started);
            }
            var formatter = new SyscallFormatter();
            foreach (var container in containers)
            {
                var marker = MarkerContainer.MarkerPath(container.Id);
                var pid = container.Pid;
                Assert.True(pid > 0, $"{container.Id} is not running: {container.Output}");

                var library = await Eventually.ValueAsync(Timeout, () =>
                {
                    try
                    {
                        var h = recorder.Dump(container.Id);
                        return Task.FromResult<IReadOnlyList<HistoryLine>?>(h.Any(r => r.ProcessId == pid && formatter.Format(r).Contains(marker, StringComparison.Ordinal)) ? h.Select(r => HistoryLine.From(r, formatter)).ToList() : null);
                    }
                    catch (KeyNotFoundException)
                    {
                        return Task.FromResult<IReadOnlyList<HistoryLine>?>(null);
                    }
                });
                var fromAgent = await Eventually.ValueAsync(Timeout, async () =>
                {
                    var (ok, text) = await agent.HistoryAsync(container.Id);
                    return ok && text.Contains(marker, StringComparison.Ordinal) ? HistoryLine.ParseJsonLines(text) : null;
                });
                var fromWatch = await Eventually.ValueAsync(Timeout, async () =>
                {
                    var (code, text, _) = await watch.DumpAsync(container.Id);
                    return code == 0 && text.Contains(marker, StringComparison.Ordinal) ? HistoryLine.ParseJsonLines(text) : null;
                });
                Assert.True(library is not null, $"the library tracer never showed {marker}: {DescribeLibrary(tracer, collection, recorder, container.Id)}");
                Assert.True(fromAgent is not null, $"the agent never showed {marker}: {(await agent.HistoryAsync(container.Id)).Text}");
                Assert.True(fromWatch is not null, $"traceloop watch never showed {marker}: {(await watch.DumpAsync(container.Id)).Error}\n{watch.Error}");
                try
                {
                    HistoryLine.AssertStartsWithExecveThenMarker(library, pid, marker, "library " + container.Id);
                }
                catch
                {
                    var all = tracer.Dump(collection.GetById(container.Id)!.CgroupId);
                    output.WriteLine($"init {pid}, {all.Count} records, {all.DescribeGaps()}");
                    for (var i = 0; i < all.Count; i++)
                    {
                        if (i < 3 || formatter.Format(all[i]).StartsWith("exec", StringComparison.Ordinal) || (i > 0 && formatter.Format(all[i - 1]).StartsWith("exec", StringComparison.Ordinal)) || i >= all.Count - 3)
                        {
                            output.WriteLine($"{i}: {all[i].ProcessId} {all[i].Command}: {formatter.Format(all[i])}");
                        }
                    }
                    throw;
                }
                HistoryLine.AssertStartsWithExecveThenMarker(fromAgent, pid, marker, "agent " + container.Id);
                HistoryLine.AssertStartsWithExecveThenMarker(fromWatch, pid, marker, "watch " + container.Id);
                Assert.True(recorder.Dump(container.Id).MissedBeforeRecording == 0, $"{container.Id}: syscalls made before it had a ring");
            }
            output.WriteLine($"{containers.Count} containers, each recorded from its execve by 3 tracers; library tracer: {tracer.MissedForEmptyPool} syscalls missed for an empty pool");
            Assert.Empty(ProcessStates.Stopped(containers.Select(c => c.Pid)));
        }
        finally
        {
            foreach (var container in containers)
            {
                container.Dispose();
            }
        }
    }

    /// <summary>What the library tracer knows of container <paramref name="id"/>, for a failure message.</summary>
    private static string DescribeLibrary(TraceloopTracer tracer, ContainerCollection collection, ContainerRecorder recorder, string id)
    {
        var known = collection.GetById(id);
        string recorded;
        try
        {
            recorded = $"recorded as {recorder.Find(id)}";
        }
        catch (KeyNotFoundException e)
        {
            recorded = e.Message;
        }
        var history = known is null ? null : tracer.Dump(known.CgroupId);
        return $"collection: {(object?)known ?? "not known"}; recorder: {recorded}; ring: {(history is null ? "-" : $"{history.Count} records, {history.DescribeGaps()}")}; missed for an empty pool: {tracer.MissedForEmptyPool}";
    }
}
