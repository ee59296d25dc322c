using System.Collections.Concurrent;
using Gadget.Containers;
using Gadget.Containers.Tests;

namespace Gadget.Traceloop.Tests;

/// <summary>Every recorded container that ends gets its history event and stream item, clean exits included, with the kernel's status.</summary>
[Collection(KernelCollection.Name)]
public sealed class ContainerExitStreamTests
{
    private const int WriteNumber = 1;

    [Fact]
    public async Task CleanExitsFailuresAndSignalsAreAllStreamedWithHowTheyEnded()
    {
        var prefix = RuncContainer.NewId("tl-exits");
        await using var tracer = TraceloopTracer.Start();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        var raised = new ConcurrentDictionary<string, ContainerHistoryEventArgs>();
        var crashes = new ConcurrentDictionary<string, ContainerHistoryEventArgs>();
        recorder.ContainerExited += (_, e) => raised[e.Container.Id] = e;
        recorder.ContainerCrashed += (_, e) => crashes[e.Container.Id] = e;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var streamed = new Dictionary<string, ContainerHistoryEventArgs>();
        var reading = Task.Run(async () =>
        {
            await foreach (var ended in recorder.WatchExitsAsync(timeout.Token))
            {
                streamed[ended.Container.Id] = ended;
                if (streamed.Count == 3)
                {
                    break;
                }
            }
        });

        using var clean = RuncContainer.Create(prefix + "-ok", ["sh", "-c", "sleep 1; echo clean > /dev/null; exit 0"]);
        using var failing = RuncContainer.Create(prefix + "-five", ["sh", "-c", "sleep 1; echo failing > /dev/null; exit 5"]);
        using var killed = RuncContainer.Create(prefix + "-kill", ["sh", "-c", "echo waiting > /dev/null; sleep 60"]);
        Assert.True(clean.WaitStopped(TimeSpan.FromSeconds(30)));
        killed.Kill("KILL");
        await reading;

        Assert.Equal(new[] { clean.Id, failing.Id, killed.Id }.Order(StringComparer.Ordinal), streamed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, streamed[clean.Id].ExitStatus.ExitCode);
        Assert.False(streamed[clean.Id].IsCrash);
        Assert.Contains(streamed[clean.Id].History, r => r.Number == WriteNumber && Text(r) == "clean\n");
        Assert.Equal(5, streamed[failing.Id].ExitStatus.ExitCode);
        Assert.True(streamed[failing.Id].IsCrash);
        Assert.Contains(streamed[failing.Id].History, r => r.Number == WriteNumber && Text(r) == "failing\n");
        Assert.Equal(9, streamed[killed.Id].ExitStatus.Signal);
        Assert.Null(streamed[killed.Id].ExitStatus.ExitCode);
        Assert.True(streamed[killed.Id].IsCrash);
        Assert.Contains(streamed[killed.Id].History, r => r.Number == WriteNumber && Text(r) == "waiting\n");

        // The events said the same (the very instances), and only the crashes were raised as crashes.
        Assert.Equal(streamed.Keys.Order(StringComparer.Ordinal), raised.Keys.Order(StringComparer.Ordinal));
        Assert.All(streamed, s => Assert.Same(s.Value, raised[s.Key]));
        Assert.Equal(new[] { failing.Id, killed.Id }.Order(StringComparer.Ordinal), crashes.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheStreamEndsWhenTheRecorderIsDisposed()
    {
        await using var tracer = TraceloopTracer.Start();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = RuncContainer.NewId("tl-none") });
        var started = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            var count = 0;
            var stream = recorder.WatchExitsAsync().GetAsyncEnumerator();
            var next = stream.MoveNextAsync();
            started.SetResult();
            while (await next)
            {
                count++;
                next = stream.MoveNextAsync();
            }
            return count;
        });
        await started.Task;
        recorder.Dispose();
        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(30)));
        // After disposal a new stream is empty at once.
        await foreach (var unexpected in recorder.WatchExitsAsync())
        {
            Assert.Fail($"{unexpected.Container.Id} streamed after disposal");
        }
    }

    private static string Text(SyscallRecord record) =>
        record.Captured.FirstOrDefault(c => c.Index == 1) is { Data.IsEmpty: false } c ? System.Text.Encoding.ASCII.GetString(c.Data.Span) : string.Empty;
}
