namespace Gadget.Bpf.Tests;

/// <summary>
/// <see cref="PerfBufferReader.WaitAsync"/>: wake-ups for real kernel events, continuations on the waiter thread (no
/// thread-pool hop), cancellation, Dispose during a wait and during a continuation, and no thread or descriptor leaks.
/// Waits are bounded by <see cref="Patience"/> only so that a broken wake-up fails instead of hanging.
/// </summary>
public class PerfBufferWaitTests : IAsyncLifetime
{
    /// <summary>
    /// The tests find this reader's waiter thread by its name: a waiter of an earlier test that has not finished exiting
    /// would be taken for it (and a wait seen as pending before it is). Start only once there is none.
    /// </summary>
    public async Task InitializeAsync() =>
        Assert.True(await WaiterThreads.Gone(WaiterThreads.PerfBuffer), "a waiter thread of an earlier test is still alive");

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // only bounds a wait that never ends: slow VMs take seconds

    [SkippableFact]
    public async Task WakesUpForRealSyscallsAndContinuesOnTheWaiterThread()
    {
        BpfEnvironment.EnsureTracefs();
        using var child = new TracedChild();
        using var bpf = new BurstEmitter(outputMode: 1, targetTgid: child.Pid);
        using var link = bpf.Object.Program("on_sys_enter").Attach();
        using var reader = new PerfBufferReader(bpf.Object.Map("perf_events"));
        var collector = new SyscallEventCollector();
        var handler = new SyscallEventCollector.Handler(collector);
        for (var round = 0; round < 5; round++)
        {
            var wait = await PendingWait(reader, handler);
            var continuation = ThreadAfter(wait);
            collector.Events.Clear();
            child.Echo(); // cat wakes up and calls write(): on_sys_enter emits into the ring
            Assert.Equal(WaiterThreads.PerfBuffer, await continuation.WaitAsync(Patience));
            while (true)
            {
                reader.Consume(ref handler);
                if (collector.Saw(child.Pid, TracedChild.SysWrite))
                {
                    break;
                }
                Assert.True(await reader.WaitAsync().AsTask().WaitAsync(Patience));
            }
            Assert.All(collector.Events, e => Assert.Equal(child.Pid, e.Pid));
        }
    }

    [SkippableFact]
    public async Task CancelingAPendingWaitEndsItAndTheReaderKeepsWorking()
    {
        using var test = new BurstEmitter();
        using var reader = new PerfBufferReader(test.Object.Map("perf_events"));
        for (var i = 0; i < 3; i++)
        {
            using var cts = new CancellationTokenSource();
            var wait = reader.WaitAsync(cts.Token);
            Assert.False(wait.IsCompleted);
            var cancel = Task.Run(cts.Cancel);
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.AsTask().WaitAsync(Patience));
            Assert.Equal(cts.Token, e.CancellationToken);
            await cancel;
        }
        var next = reader.WaitAsync();
        Assert.False(next.IsCompleted);
        test.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
        Assert.True(await next.AsTask().WaitAsync(Patience));
        Assert.Equal(1, reader.Consume((_, _) => { }));
    }

    [SkippableFact]
    public async Task WakeCompletesAPendingWaitWithTrue()
    {
        using var test = new BurstEmitter();
        using var reader = new PerfBufferReader(test.Object.Map("perf_events"));
        for (var i = 0; i < 3; i++)
        {
            var wait = reader.WaitAsync();
            Assert.False(wait.IsCompleted);
            reader.Wake();
            Assert.True(await wait.AsTask().WaitAsync(Patience));
            Assert.Equal(0, reader.Consume((_, _) => { }));
        }
    }

    [SkippableFact]
    public async Task DisposeDuringAContinuationOnTheWaiterThreadDoesNotWaitForIt()
    {
        using var test = new BurstEmitter();
        var reader = new PerfBufferReader(test.Object.Map("perf_events"));
        var inContinuation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var disposed = new ManualResetEventSlim();
        var waitersBefore = WaiterThreads.Ids(WaiterThreads.PerfBuffer);
        var consumer = Task.Run(async () =>
        {
            Assert.True(await reader.WaitAsync().ConfigureAwait(false));
            inContinuation.SetResult();
            disposed.Wait(); // blocks the thread this continuation runs on until Dispose has returned
            return Thread.CurrentThread.Name;
        });
        await WaiterThreads.WaitForNew(WaiterThreads.PerfBuffer, waitersBefore);
        test.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
        await inContinuation.Task.WaitAsync(Patience);
        await Task.Run(reader.Dispose).WaitAsync(Patience); // must not join the thread that runs the blocked continuation
        disposed.Set();
        Assert.Equal(WaiterThreads.PerfBuffer, await consumer.WaitAsync(Patience));
        Assert.True(await WaiterThreads.Gone(WaiterThreads.PerfBuffer), "the waiter thread is still alive after its continuation returned");
    }

    [SkippableFact]
    public async Task DisposeFromTheContinuationEndsTheLoop()
    {
        using var test = new BurstEmitter();
        var reader = new PerfBufferReader(test.Object.Map("perf_events"));
        var waitersBefore = WaiterThreads.Ids(WaiterThreads.PerfBuffer);
        var loop = Task.Run(async () =>
        {
            var waits = 0;
            while (await reader.WaitAsync().ConfigureAwait(false))
            {
                waits++;
                reader.Consume((_, _) => { });
                reader.Dispose(); // on the waiter thread: must neither throw nor join itself
            }
            return waits;
        });
        await WaiterThreads.WaitForNew(WaiterThreads.PerfBuffer, waitersBefore);
        test.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.WaitAsync(Patience)); // the next WaitAsync after Dispose
        Assert.True(await WaiterThreads.Gone(WaiterThreads.PerfBuffer));
    }

    [SkippableFact]
    public async Task ManyWaitCancelDisposeCyclesLeakNoThreadsOrDescriptors()
    {
        using var test = new BurstEmitter();
        async Task Cycle()
        {
            var reader = new PerfBufferReader(test.Object.Map("perf_events"));
            using (var cts = new CancellationTokenSource())
            {
                var canceled = reader.WaitAsync(cts.Token);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.AsTask().WaitAsync(Patience));
            }
            var woken = reader.WaitAsync();
            test.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
            Assert.True(await woken.AsTask().WaitAsync(Patience));
            Assert.Equal(1, reader.Consume((_, _) => { }));
            var ended = reader.WaitAsync();
            Assert.False(ended.IsCompleted);
            reader.Dispose();
            Assert.False(await ended.AsTask().WaitAsync(Patience));
        }
        await Cycle(); // warm-up: lazily created runtime threads
        Assert.True(await WaiterThreads.Gone(WaiterThreads.PerfBuffer));
        var threads = WaiterThreads.LibraryThreads();
        FdCounter.AssertNoLeak(() => Task.Run(Cycle).GetAwaiter().GetResult(), rounds: 50);
        Assert.True(await WaiterThreads.Gone(WaiterThreads.PerfBuffer), "waiter threads are left after 50 readers");
        Assert.Equal(threads, WaiterThreads.LibraryThreads());
    }

    [SkippableFact]
    public async Task WaitsAllocateNothingOnTheWaiterThread()
    {
        using var test = new BurstEmitter();
        using var reader = new PerfBufferReader(test.Object.Map("perf_events"));
        using var stop = new CancellationTokenSource();
        var producer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                test.Emit(1, 32, BurstEmitter.TargetPerf, cpu: 0);
                Thread.Sleep(1);
            }
        });
        producer.Start();
        try
        {
            var (thread, records, allocated) = await Task.Run(async () =>
            {
                var counter = new RecordCounter();
                while (Thread.CurrentThread.Name != WaiterThreads.PerfBuffer) // until a wait had to block: then the loop runs on the waiter thread
                {
                    Assert.True(await reader.WaitAsync().ConfigureAwait(false));
                    reader.Consume(ref counter);
                }
                counter = new RecordCounter();
                var before = GC.GetAllocatedBytesForCurrentThread();
                while (counter.Records < 200)
                {
                    Assert.True(await reader.WaitAsync().ConfigureAwait(false));
                    reader.Consume(ref counter);
                }
                return (Thread.CurrentThread.Name, counter.Records, GC.GetAllocatedBytesForCurrentThread() - before);
            }).WaitAsync(Patience);
            Assert.Equal(WaiterThreads.PerfBuffer, thread);
            Assert.InRange(records, 200, int.MaxValue);
            Assert.Equal(0, allocated);
        }
        finally
        {
            stop.Cancel();
            producer.Join();
        }
    }

    private struct RecordCounter : IPerfBufferHandler
    {
        public int Records;

        public void OnRecord(int cpu, ReadOnlySpan<byte> data) => Records++;

        public void OnLost(int cpu, ulong count) => throw new InvalidOperationException($"CPU {cpu} lost {count} records");
    }

    /// <summary>Consumes until a wait no longer completes at once (the traced process went quiet), and returns that pending wait.</summary>
    private static async Task<ValueTask<bool>> PendingWait(PerfBufferReader reader, SyscallEventCollector.Handler handler)
    {
        while (true)
        {
            var wait = reader.WaitAsync();
            if (!wait.IsCompleted)
            {
                return wait;
            }
            Assert.True(await wait);
            reader.Consume(ref handler);
        }
    }

    /// <summary>The name of the thread that runs the continuation of <paramref name="wait"/> (without a captured context).</summary>
    private static async Task<string?> ThreadAfter(ValueTask<bool> wait)
    {
        Assert.True(await wait.ConfigureAwait(false));
        return Thread.CurrentThread.Name;
    }
}
