namespace Gadget.Bpf.Tests;

/// <summary>A BPF program writing on one CPU while the reader reads on another.</summary>
public class PerfBufferConcurrencyTests
{
    // How much work each test does is fixed; time only bounds a test that makes no progress at all (a slow VM is fine).
    private const int RecordsToConsume = 1000;
    private const int SnapshotsToTake = 200;
    private const ulong RecordsToOverwrite = 40 * 50;
    private static readonly TimeSpan NoProgress = TimeSpan.FromMinutes(2);

    private static int WriterCpu => BpfEnvironment.PossibleCpuCount - 1;

    private static Thread StartWriter(BurstEmitter burst, uint target, Func<bool> stop)
    {
        var thread = new Thread(() =>
        {
            var round = 0;
            while (!stop())
            {
                burst.Emit(40, (uint)(16 + (round++ * 53 % 230)), target, WriterCpu);
            }
        });
        thread.Start();
        return thread;
    }

    [SkippableFact]
    public void ConsumingWhileTheKernelWritesLosesNothingUnaccounted()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 2 });
        var collector = new BurstCollector();
        var stop = false;
        var writer = StartWriter(burst, BurstEmitter.TargetPerf, () => Volatile.Read(ref stop));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (collector.Records.Count <= RecordsToConsume && watch.Elapsed < NoProgress)
        {
            reader.Poll(ref collector, 50);
        }
        Volatile.Write(ref stop, true);
        writer.Join();
        reader.Consume(ref collector);
        burst.Emit(1, 16, BurstEmitter.TargetPerf, WriterCpu); // makes the kernel report a pending loss
        reader.Consume(ref collector);

        var emitted = (long)burst.NextSequence;
        Assert.True(collector.Records.Count > RecordsToConsume, $"only {collector.Records.Count} records in {NoProgress}");
        Assert.Equal(emitted, collector.Records.Count + reader.LostRecords);
        Assert.All(collector.Records, r => Assert.True(r.IsIntact, $"torn record {r}"));
        Assert.All(collector.Records, r => Assert.Equal(WriterCpu, r.Cpu));
        for (var i = 1; i < collector.Records.Count; i++)
        {
            Assert.True(collector.Records[i].Sequence > collector.Records[i - 1].Sequence);
        }
    }

    [SkippableFact]
    public void SnapshotsWhileTheKernelWritesAreNeverTorn()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfFlightRecorder(burst.Object.Map("overwrite_events"), pageCount: 1);
        var stop = false;
        var writer = StartWriter(burst, BurstEmitter.TargetOverwritable, () => Volatile.Read(ref stop));
        var snapshots = 0;
        var records = 0L;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        ulong first;
        try
        {
            // From the writer's first burst on, the ring is never empty; snapshots go on until the writer has overwritten
            // the ring many times while they were taken.
            while ((first = burst.NextSequence) == 0 && watch.Elapsed < NoProgress)
            {
                Thread.Yield();
            }
            while ((snapshots < SnapshotsToTake || burst.NextSequence - first < RecordsToOverwrite) && watch.Elapsed < NoProgress)
            {
                var collector = new BurstCollector();
                reader.ReadNewestFirst(ref collector);
                snapshots++;
                records += collector.Records.Count;
                var bytes = 0;
                for (var i = 0; i < collector.Records.Count; i++)
                {
                    var r = collector.Records[i];
                    Assert.True(r.IsIntact, $"snapshot {snapshots}: torn record {r}");
                    Assert.Equal(WriterCpu, r.Cpu);
                    Assert.True(i == 0 || r.Sequence < collector.Records[i - 1].Sequence, "newest first");
                    bytes += BurstEmitter.RecordBytes((int)r.Size);
                }
                Assert.True(bytes <= reader.RingSize);
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            writer.Join();
        }
        Assert.True(snapshots >= SnapshotsToTake, $"only {snapshots} snapshots in {NoProgress}");
        Assert.True(burst.NextSequence - first >= RecordsToOverwrite, $"the writer wrote {burst.NextSequence - first} records during the snapshots");
        Assert.True(records > snapshots, "snapshots were empty");
    }
}
