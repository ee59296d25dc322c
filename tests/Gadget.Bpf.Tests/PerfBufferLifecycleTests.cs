using System.Diagnostics;

namespace Gadget.Bpf.Tests;

public class PerfBufferLifecycleTests
{
    private static int ThreadCount() => Directory.GetDirectories("/proc/self/task").Length;

    private static PerfBufferReader OpenNormal(BurstEmitter burst, int pages = 1) =>
        new(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = pages });

    [SkippableFact]
    public void PollTimesOutWithNothingWritten()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst);
        var collector = new BurstCollector();
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, reader.Poll(ref collector, TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.ElapsedMilliseconds >= 180, $"Poll(200 ms) returned after {watch.ElapsedMilliseconds} ms"); // a lower bound only: slow machines cannot break it
        Assert.Empty(collector.Records);
    }

    [SkippableFact]
    public void PollReturnsWhenARecordArrives()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst);
        var emitter = new Thread(() =>
        {
            Thread.Sleep(150);
            burst.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
        });
        emitter.Start();
        var collector = new BurstCollector();
        var watch = Stopwatch.StartNew();
        // The poll's timeout is far beyond anything a slow machine takes: returning before it means the record woke it.
        const int PollTimeoutMs = 120_000;
        var count = reader.Poll(ref collector, PollTimeoutMs);
        emitter.Join();
        Assert.Equal(1, count);
        Assert.True(watch.ElapsedMilliseconds < PollTimeoutMs, $"Poll returned after {watch.ElapsedMilliseconds} ms: at its timeout, not woken");
        Assert.Equal(0ul, collector.Records[0].Sequence);
    }

    [SkippableFact]
    public void RecordsBelowTheWatermarkAreStillRead()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 4, WakeupWatermarkBytes = 8192 });
        var collector = new BurstCollector();
        Assert.Equal(0, reader.Poll(ref collector, 0));
        burst.Emit(3, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(3, reader.Poll(ref collector, 100));
    }

    [SkippableFact]
    public void DisposeDuringABlockedPollEndsIt()
    {
        using var burst = new BurstEmitter();
        var reader = OpenNormal(burst);
        using var started = new ManualResetEventSlim();
        var poller = new Thread(() =>
        {
            var collector = new BurstCollector();
            started.Set();
            var result = reader.Poll(ref collector, -1);
            Assert.Equal(0, result);
        });
        poller.Start();
        started.Wait();
        Thread.Sleep(200); // let it block in epoll_wait
        Assert.True(poller.IsAlive);
        var watch = Stopwatch.StartNew();
        reader.Dispose();
        // The poll has no timeout: any return is Dispose's doing; the bound only keeps a broken one from hanging the run.
        Assert.True(poller.Join(60_000), $"Poll did not return within {watch.ElapsedMilliseconds} ms of Dispose");
        var after = new BurstCollector();
        Assert.Throws<ObjectDisposedException>(() => reader.Poll(ref after, 0));
    }

    [SkippableFact]
    public void WakeEndsABlockedPoll()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst);
        _ = Task.Run(async () =>
        {
            await Task.Delay(100);
            reader.Wake();
        });
        var collector = new BurstCollector();
        var watch = Stopwatch.StartNew();
        // Returning before the poll's own timeout (far beyond what a slow machine takes) means Wake ended it.
        const int PollTimeoutMs = 120_000;
        Assert.Equal(0, reader.Poll(ref collector, PollTimeoutMs));
        Assert.True(watch.ElapsedMilliseconds < PollTimeoutMs, $"Poll returned after {watch.ElapsedMilliseconds} ms: at its timeout, not woken");
    }

    [SkippableFact]
    public void CanceledPollThrows()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst);
        using var cts = new CancellationTokenSource(100);
        var collector = new BurstCollector();
        Assert.ThrowsAny<OperationCanceledException>(() => reader.Poll(ref collector, 20_000, cts.Token));
    }

    [SkippableFact]
    public void DisposeInsideAHandlerStopsTheReadAndReleasesAfterIt()
    {
        using var burst = new BurstEmitter();
        var reader = OpenNormal(burst, pages: 4);
        burst.Emit(10, 32, BurstEmitter.TargetPerf, cpu: 0);
        var seen = 0;
        var count = reader.Consume((cpu, data) =>
        {
            seen++;
            reader.Dispose();
        });
        Assert.Equal(1, count);
        Assert.Equal(1, seen);
        Assert.True(reader.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => reader.Consume((_, _) => { }));
    }

    [SkippableFact]
    public void DisposeIsIdempotentAndUseAfterItThrows()
    {
        using var burst = new BurstEmitter();
        var normal = OpenNormal(burst);
        var overwritable = new PerfFlightRecorder(burst.Object.Map("overwrite_events"), pageCount: 1);
        normal.Dispose();
        normal.Dispose();
        overwritable.Dispose();
        overwritable.Dispose();
        normal.Wake(); // no-op
        var collector = new BurstCollector();
        Assert.Equal(nameof(PerfBufferReader), Assert.Throws<ObjectDisposedException>(() => normal.Consume(ref collector)).ObjectName);
        Assert.Throws<ObjectDisposedException>(() => normal.Poll(ref collector, 0));
        Assert.Throws<ObjectDisposedException>(() => normal.WaitAsync());
        Assert.Equal(nameof(PerfFlightRecorder), Assert.Throws<ObjectDisposedException>(() => overwritable.ReadNewestFirst(ref collector)).ObjectName);
        Assert.Throws<ObjectDisposedException>(() => overwritable.ReadOldestFirst(ref collector));
        Assert.Throws<ObjectDisposedException>(() => overwritable.Pause());
    }

    [SkippableFact]
    public void DisposedReaderLeavesTheMapFreeForTheNext()
    {
        using var burst = new BurstEmitter();
        using (var first = OpenNormal(burst))
        {
            burst.Emit(2, 32, BurstEmitter.TargetPerf, cpu: 0);
            Assert.Equal(2, first.Consume((_, _) => { }));
        }
        // With the events removed from the map, output fails (ENOENT) until a new reader stores its own.
        burst.Emit(3, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(3ul, burst.PerfDropped);
        using var second = OpenNormal(burst);
        burst.Emit(4, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(4, second.Consume((_, _) => { }));
    }

    [SkippableFact]
    public void DisposingAnOlderReaderOfTheMapLeavesTheNewerOnesRingsInIt()
    {
        using var burst = new BurstEmitter();
        var older = OpenNormal(burst);
        using var newer = OpenNormal(burst); // stores its rings over the older reader's
        older.Dispose();
        burst.Emit(5, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(0ul, burst.PerfDropped);
        var collector = new BurstCollector();
        Assert.Equal(5, newer.Consume(ref collector));

        // The same kernel map through another handle, and a flight recorder: the newest holds the slots whoever disposes.
        using var sameMap = BpfMap.OpenById(burst.Object.Map("perf_events").Id);
        using var recorder = new PerfFlightRecorder(sameMap, pageCount: 1);
        newer.Dispose();
        burst.Emit(3, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(0ul, burst.PerfDropped);
        var history = new BurstCollector();
        Assert.Equal(3, recorder.ReadNewestFirst(ref history));

        // The newest one, disposed, takes its rings out of the map as before.
        recorder.Dispose();
        burst.Emit(2, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(2ul, burst.PerfDropped);
    }

    [SkippableFact]
    public void NoDescriptorLeaksOverCreateAndDispose()
    {
        using var burst = new BurstEmitter();
        FdCounter.AssertNoLeak(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                using var normal = OpenNormal(burst);
                burst.Emit(3, 32, BurstEmitter.TargetPerf, cpu: 0);
                normal.Consume((_, _) => { });
                using var overwritable = new PerfFlightRecorder(burst.Object.Map("overwrite_events"), pageCount: 1);
                burst.Emit(3, 32, BurstEmitter.TargetOverwritable, cpu: 0);
                overwritable.ReadNewestFirst((_, _) => { });
                using var created = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, BpfEnvironment.PossibleCpuCount);
                using var onCreated = new PerfBufferReader(created, new PerfBufferOptions { PageCount = 1 });
            }
        });
    }

    [SkippableFact]
    public async Task WaitAsyncCompletesWhenARecordArrives()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst);
        var wait = reader.WaitAsync();
        Assert.False(wait.IsCompleted);
        burst.Emit(2, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, reader.Consume((_, _) => { }));
        // Data already there: completes synchronously.
        burst.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
        var ready = reader.WaitAsync();
        Assert.True(ready.IsCompletedSuccessfully);
        Assert.True(await ready);
    }

    [SkippableFact]
    public async Task WaitAsyncLoopReadsEverything()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst, pages: 8);
        const int rounds = 20;
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < rounds; i++)
            {
                burst.Emit(5, 64, BurstEmitter.TargetPerf, cpu: 0);
                await Task.Delay(10);
            }
        });
        var received = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (received < rounds * 5 && await reader.WaitAsync(cts.Token))
        {
            received += reader.Consume((_, _) => { });
        }
        await producer;
        Assert.Equal(rounds * 5, received);
        Assert.Equal(0, reader.LostRecords);
    }

    [SkippableFact]
    public async Task WaitAsyncIsCanceledAndEndedByDispose()
    {
        using var burst = new BurstEmitter();
        var reader = OpenNormal(burst);
        using var cts = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.WaitAsync(cts.Token));
        var pending = reader.WaitAsync();
        Assert.False(pending.IsCompleted);
        reader.Dispose();
        Assert.False(await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [SkippableFact]
    public async Task NoThreadLeaksOverWaitAndDispose()
    {
        using var burst = new BurstEmitter();
        async Task Cycle()
        {
            var reader = OpenNormal(burst);
            var wait = reader.WaitAsync();
            burst.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
            Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
            reader.Dispose();
        }
        await Cycle();
        var before = ThreadCount();
        for (var i = 0; i < 10; i++)
        {
            await Cycle();
        }
        var after = ThreadCount();
        Assert.True(after <= before + 1, $"threads: {before} before, {after} after 10 readers"); // +1: the thread pool may grow
    }

    [SkippableFact]
    public void AHandlerExceptionConsumesThatRecordAndPropagates()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenNormal(burst, pages: 4);
        burst.Emit(5, 32, BurstEmitter.TargetPerf, cpu: 0);
        var seen = new List<ulong>();
        var e = Assert.Throws<InvalidDataException>(() => reader.Consume((cpu, data) =>
        {
            var record = BurstRecord.Parse(cpu, data);
            seen.Add(record.Sequence);
            if (record.Sequence == 2)
            {
                throw new InvalidDataException("bad record");
            }
        }));
        Assert.Equal("bad record", e.Message);
        Assert.Equal(2, reader.Consume((cpu, data) => seen.Add(BurstRecord.Parse(cpu, data).Sequence)));
        Assert.Equal([0ul, 1, 2, 3, 4], seen);
    }
}
