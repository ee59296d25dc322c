namespace Gadget.Bpf.Tests;

/// <summary>A BPF program writing on one CPU while the reader reads on another.</summary>
public class PerfBufferConcurrencyTests
{
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
        var until = DateTime.UtcNow.AddSeconds(1.5);
        while (DateTime.UtcNow < until)
        {
            reader.Poll(ref collector, 50);
        }
        Volatile.Write(ref stop, true);
        writer.Join();
        reader.Consume(ref collector);
        burst.Emit(1, 16, BurstEmitter.TargetPerf, WriterCpu); // makes the kernel report a pending loss
        reader.Consume(ref collector);

        var emitted = (long)burst.NextSequence;
        Assert.True(collector.Records.Count > 1000, $"only {collector.Records.Count} records");
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
        using var reader = new PerfBufferReader(burst.Object.Map("overwrite_events"), new PerfBufferOptions { PageCount = 1, Overwritable = true });
        var stop = false;
        var writer = StartWriter(burst, BurstEmitter.TargetOverwritable, () => Volatile.Read(ref stop));
        var snapshots = 0;
        var records = 0L;
        var until = DateTime.UtcNow.AddSeconds(1.5);
        try
        {
            while (DateTime.UtcNow < until)
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
        Assert.True(snapshots > 100, $"only {snapshots} snapshots");
        Assert.True(records > snapshots, "snapshots were empty");
    }
}
