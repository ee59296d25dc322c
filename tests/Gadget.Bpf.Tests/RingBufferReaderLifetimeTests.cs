using System.Diagnostics;

namespace Gadget.Bpf.Tests;

public class RingBufferReaderLifetimeTests
{
    [SkippableFact]
    public void PollTimesOutPromptlyWithoutData()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        // Poll(0) does not wait (one that blocked would hang the test), and a timeout is waited out in full: only lower
        // bounds on time, which a slow machine cannot break.
        Assert.Equal(0, reader.Poll(_ => { }, 0));

        var watch = Stopwatch.StartNew();
        Assert.Equal(0, reader.Poll(_ => { }, TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.ElapsedMilliseconds >= 180, $"Poll(200 ms) returned after {watch.ElapsedMilliseconds} ms");

        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Poll(_ => { }, -2));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Poll(_ => { }, TimeSpan.FromMilliseconds(-5)));
    }

    [SkippableFact]
    public void PollWakesUpWhenDataArrives()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var collector = new SequenceCollector();
        var received = 0;
        // The poll's timeout is far beyond anything a slow machine takes: returning before it means the data woke it.
        const int PollTimeoutMs = 120_000;
        var watch = Stopwatch.StartNew();
        var poller = new Thread(() => received = reader.Poll(ref collector, PollTimeoutMs));
        poller.Start();
        Thread.Sleep(200);
        test.EmitBurst(3);
        Assert.True(poller.Join(PollTimeoutMs + 30_000));
        Assert.True(received > 0);
        Assert.True(watch.ElapsedMilliseconds < PollTimeoutMs, $"the poll returned after {watch.ElapsedMilliseconds} ms: at its timeout, not woken");
    }

    [SkippableFact]
    public void PollIsCanceledByItsToken()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        // An infinite poll ends only by its token: the exception is the proof, no clock needed.
        Assert.ThrowsAny<OperationCanceledException>(() => reader.Poll(_ => { }, Timeout.Infinite, cts.Token));
        Assert.Equal(0, reader.Poll(_ => { }, 50)); // the reader still works; the stale wake-up is drained
    }

    [SkippableFact]
    public async Task WaitAsyncCompletesWhenDataArrives()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var wait = reader.WaitAsync(CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(wait.IsCompleted);
        test.EmitBurst(4);
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(5)));
        var collector = new SequenceCollector();
        Assert.Equal(4, reader.Consume(ref collector));

        // With data already there it completes synchronously; with none, it waits again.
        test.EmitBurst(1);
        var ready = reader.WaitAsync();
        Assert.True(ready.IsCompletedSuccessfully);
        Assert.True(await ready);
        Assert.Equal(1, reader.Consume(ref collector));
        var again = reader.WaitAsync();
        Assert.False(again.IsCompleted);
        test.EmitBurst(1);
        Assert.True(await again.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [SkippableFact]
    public async Task AsyncConsumeLoopReceivesEveryRecordAndEndsOnDispose()
    {
        using var test = RingBufferTestObject.Load();
        var reader = new RingBufferReader(test.Events);
        var collector = new SequenceCollector();
        var loop = Task.Run(async () =>
        {
            while (await reader.WaitAsync())
            {
                reader.Consume(ref collector);
            }
        });
        var first = test.NextSequence;
        for (var i = 0; i < 10; i++)
        {
            test.EmitBurst(50);
            await Task.Delay(10);
        }
        var deadline = Stopwatch.StartNew();
        while (collector.Records.Count < 500 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        reader.Dispose();
        await loop.WaitAsync(TimeSpan.FromSeconds(5)); // WaitAsync returned false: the loop ended
        Assert.Equal(Enumerable.Range(0, 500).Select(i => first + (ulong)i), collector.Sequences);
    }

    [SkippableFact]
    public async Task WaitAsyncIsCanceledAndTheReaderKeepsWorking()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        // A wait without timeout ends only by its token: the exception is the proof, no clock needed.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.WaitAsync(cts.Token));

        using var canceled = new CancellationTokenSource();
        canceled.Cancel();
        Assert.True(reader.WaitAsync(canceled.Token).IsCanceled);

        var wait = reader.WaitAsync();
        test.EmitBurst(2);
        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [SkippableFact]
    public async Task DisposeEndsAPendingWaitAsyncWithFalse()
    {
        using var test = RingBufferTestObject.Load();
        var reader = new RingBufferReader(test.Events);
        var wait = reader.WaitAsync().AsTask();
        await Task.Delay(100);
        reader.Dispose();
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [SkippableFact]
    public void DisposeWhileAnotherThreadIsBlockedInPollReturnsPromptly()
    {
        using var test = RingBufferTestObject.Load();
        var reader = new RingBufferReader(test.Events);
        var result = -1;
        var started = new ManualResetEventSlim();
        var poller = new Thread(() =>
        {
            started.Set();
            result = reader.Poll(_ => { }, Timeout.Infinite);
        });
        poller.Start();
        started.Wait();
        Thread.Sleep(100);
        var watch = Stopwatch.StartNew();
        reader.Dispose();
        // The poll has no timeout: any return is Dispose's doing; the bound only keeps a broken one from hanging the run.
        Assert.True(poller.Join(60_000), $"Poll did not return within {watch.ElapsedMilliseconds} ms of Dispose");
        Assert.Equal(0, result);
    }

    [SkippableFact]
    public void UseAfterDisposeThrowsAndDisposeIsIdempotent()
    {
        using var test = RingBufferTestObject.Load();
        var reader = new RingBufferReader(test.Events);
        reader.Dispose();
        reader.Dispose();
        Assert.True(reader.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => reader.Consume(_ => { }));
        Assert.Throws<ObjectDisposedException>(() => reader.Poll(_ => { }, 10));
        Assert.Throws<ObjectDisposedException>(() => reader.WaitAsync());
        Assert.Throws<ObjectDisposedException>(() => reader.Add(test.Events));
        Assert.Throws<ObjectDisposedException>(() => reader.ReadAvailable());
        Assert.Throws<ObjectDisposedException>(() => reader.RingCount);
    }

    [SkippableFact]
    public void RingStaysReadableAfterItsObjectIsDisposed()
    {
        var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        test.EmitBurst(3);
        test.Dispose();
        var collector = new SequenceCollector();
        Assert.Equal(3, reader.Consume(ref collector));
    }

    [SkippableFact]
    public void CreatingAndDisposingReadersLeaksNoDescriptors()
    {
        using var a = RingBufferTestObject.Load();
        using var b = RingBufferTestObject.Load();
        FdCounter.AssertNoLeak(() =>
        {
            using var reader = new RingBufferReader(a.Events);
            reader.Add(b.Events);
            a.EmitBurst(2);
            Assert.Equal(2, reader.Poll(_ => { }, 1000));
            using var cts = new CancellationTokenSource(20);
            Assert.ThrowsAny<OperationCanceledException>(() => reader.WaitAsync(cts.Token).AsTask().GetAwaiter().GetResult());
        });
    }

    [SkippableFact]
    public async Task WaiterThreadsStopWithTheirReaders()
    {
        using var test = RingBufferTestObject.Load();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        for (var i = 0; i < 20; i++)
        {
            using var reader = new RingBufferReader(test.Events);
            var wait = reader.WaitAsync();
            Assert.False(wait.IsCompleted);
            Assert.Equal(1, WaiterThreadCount());
            reader.Dispose();
            Assert.False(await wait);
            Assert.True(await WaiterThreadsGone(), "the waiter thread is still alive after Dispose");
        }
        Assert.InRange(Process.GetCurrentProcess().Threads.Count, 0, threadsBefore + 5); // thread-pool threads may come and go
    }

    /// <summary>
    /// Whether no waiter thread is left. Dispose joins the thread, but the OS thread finishes its exit a moment after the
    /// managed thread has ended, so give its /proc entry a little time to go away.
    /// </summary>
    private static async Task<bool> WaiterThreadsGone()
    {
        for (var i = 0; i < 100 && WaiterThreadCount() > 0; i++)
        {
            await Task.Delay(10);
        }
        return WaiterThreadCount() == 0;
    }

    /// <summary>Threads of this process named like the reader's waiter thread (<c>/proc/self/task/*/comm</c>).</summary>
    private static int WaiterThreadCount() =>
        Directory.GetDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == "gadget-ringbuf";
            }
            catch (IOException)
            {
                return false; // the thread ended meanwhile
            }
        });
}
