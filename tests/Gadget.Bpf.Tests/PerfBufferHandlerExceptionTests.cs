namespace Gadget.Bpf.Tests;

/// <summary>
/// A handler that throws, on the records the reader's hot loop does not handle itself: a record copied because it wraps
/// around the ring's end, and a loss report. <c>data_tail</c> is written once per ring and batch, so the position after
/// the record whose handler threw must survive the exception: that record counts as consumed, the next call starts after
/// it, and no record is delivered twice or skipped. Real rings, written by the kernel (<c>bpf_perf_event_output</c>).
/// </summary>
public class PerfBufferHandlerExceptionTests
{
    [SkippableFact]
    public void AHandlerThrowingOnAWrappedRecordConsumesExactlyThatRecord()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 1 });
        const uint size = 100;
        var bytes = BurstEmitter.RecordBytes((int)size);
        // Fill and read the ring up to less than one record before its end, so that the next batch has a record across it.
        var before = reader.RingSize / bytes - 1;
        burst.Emit((ulong)before, size, BurstEmitter.TargetPerf, cpu: 0);
        var seen = new List<ulong>();
        Assert.Equal(before, reader.Consume((cpu, data) => seen.Add(BurstRecord.Parse(cpu, data).Sequence)));
        var position = (long)before * bytes;
        var wrapping = -1L;
        for (var i = 0; i < 4; i++)
        {
            if (wrapping < 0 && position / reader.RingSize != (position + bytes - 1) / reader.RingSize)
            {
                wrapping = before + i;
            }
            position += bytes;
        }
        Assert.True(wrapping >= 0, "one of the next 4 records must cross the ring's end");
        burst.Emit(4, size, BurstEmitter.TargetPerf, cpu: 0);
        Assert.Equal(0ul, burst.PerfDropped);

        var e = Assert.Throws<InvalidDataException>(() => reader.Consume((cpu, data) =>
        {
            var record = BurstRecord.Parse(cpu, data);
            Assert.True(record.IsIntact, $"torn record {record}");
            seen.Add(record.Sequence);
            if ((long)record.Sequence == wrapping)
            {
                throw new InvalidDataException("bad wrapped record");
            }
        }));
        Assert.Equal("bad wrapped record", e.Message);
        reader.Consume((cpu, data) => seen.Add(BurstRecord.Parse(cpu, data).Sequence));

        Assert.Equal(Enumerable.Range(0, before + 4).Select(i => (ulong)i), seen);
    }

    [SkippableFact]
    public void AHandlerThrowingOnALossReportConsumesExactlyThatReport()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 1 });
        const uint size = 64;
        const int count = 500;
        burst.Emit(count, size, BurstEmitter.TargetPerf, cpu: 0);
        var dropped = burst.PerfDropped;
        Assert.True(dropped > 0, "the burst must overflow the ring");
        var collector = new BurstCollector();
        var received = reader.Consume(ref collector);
        // The kernel writes the loss report when it next manages to write into the ring, just before this record.
        burst.Emit(1, size, BurstEmitter.TargetPerf, cpu: 0);

        var throwing = new ThrowOnLoss(collector);
        var e = Assert.Throws<InvalidOperationException>(() => reader.Consume(ref throwing));
        Assert.StartsWith("lost", e.Message);
        Assert.Equal(received, collector.Records.Count); // the sample after the report is still in the ring
        received += reader.Consume(ref collector);

        Assert.Equal(count + 1, received + (long)dropped);
        Assert.Equal((long)dropped, reader.LostRecords); // counted once, before its handler threw
        Assert.Empty(collector.Losses);
        Assert.Equal(burst.NextSequence - 1, collector.Records[^1].Sequence);
        Assert.Equal(collector.Records.Count, collector.Records.Select(r => r.Sequence).Distinct().Count());
    }

    private readonly struct ThrowOnLoss(BurstCollector collector) : IPerfBufferHandler
    {
        public void OnRecord(int cpu, ReadOnlySpan<byte> record) => collector.OnRecord(cpu, record);

        public void OnLost(int cpu, ulong count) => throw new InvalidOperationException($"lost {count} on CPU {cpu}");
    }
}
