namespace Gadget.Bpf.Tests;

public class PerfBufferAllocationTests
{
    private struct SequenceSum : IPerfBufferHandler
    {
        public ulong Sum;
        public int Records;
        public ulong Lost;

        public void OnRecord(int cpu, ReadOnlySpan<byte> data)
        {
            Sum += BitConverter.ToUInt64(data);
            Records++;
        }

        public void OnLost(int cpu, ulong count) => Lost += count;
    }

    [SkippableFact]
    public void ConsumeAllocatesNothingPerRecord()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 1 });
        var handler = new SequenceSum();
        burst.Emit(10, 200, BurstEmitter.TargetPerf, cpu: 0);
        reader.Consume(ref handler); // warm-up (JIT)
        handler = new SequenceSum();
        long allocated = 0;
        for (var round = 0; round < 20; round++)
        {
            burst.Emit(15, (uint)(100 + round * 7), BurstEmitter.TargetPerf, cpu: 0); // wraps around the 4 KiB ring
            var before = GC.GetAllocatedBytesForCurrentThread();
            reader.Consume(ref handler);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(300, handler.Records);
        Assert.Equal(Enumerable.Range(10, 300).Sum(i => (long)i), (long)handler.Sum);
        Assert.Equal(0, allocated);
    }

    [SkippableFact]
    public void SnapshotAllocatesNothing()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfFlightRecorder(burst.Object.Map("overwrite_events"), pageCount: 2);
        burst.Emit(1000, 64, BurstEmitter.TargetOverwritable, cpu: 0);
        var handler = new SequenceSum();
        PerfRecordOrderKey bySequence = static data => BitConverter.ToUInt64(data);
        reader.ReadNewestFirst(ref handler);
        reader.ReadOldestFirst(ref handler);
        reader.ReadMergedOldestFirst(ref handler, bySequence);
        var before = GC.GetAllocatedBytesForCurrentThread();
        handler = new SequenceSum();
        reader.ReadNewestFirst(ref handler);
        reader.ReadOldestFirst(ref handler);
        reader.ReadMergedOldestFirst(ref handler, bySequence);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3 * (reader.RingSize / BurstEmitter.RecordBytes(64)), handler.Records);
    }
}
