namespace Gadget.Bpf.Tests;

public class PerfFlightRecorderTests
{
    private static PerfFlightRecorder OpenRing(BurstEmitter burst, int pages) =>
        new(burst.Object.Map("overwrite_events"), pages);

    private static List<BurstRecord> NewestFirst(PerfFlightRecorder reader)
    {
        var collector = new BurstCollector();
        var count = reader.ReadNewestFirst(ref collector);
        Assert.Equal(count, collector.Records.Count);
        return collector.Records;
    }

    [SkippableTheory]
    [InlineData(1, 64u)]
    [InlineData(2, 200u)]
    [InlineData(1, 16u)]
    public void KeepsExactlyTheNewestRecordsThatFit(int pages, uint size)
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, pages);
        var fit = reader.RingSize / BurstEmitter.RecordBytes((int)size);
        var emitted = (ulong)(fit * 20);

        burst.Emit(emitted, size, BurstEmitter.TargetOverwritable, cpu: 0);
        Assert.Equal(0ul, burst.PerfDropped); // an overwritable ring never refuses
        var last = burst.NextSequence - 1;
        var records = NewestFirst(reader);

        Assert.Equal(fit, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.True(records[i].IsIntact, $"torn record {records[i]}");
            Assert.Equal(0, records[i].Cpu);
            Assert.Equal(size, records[i].Size);
            Assert.Equal(last - (ulong)i, records[i].Sequence);
        }
    }

    [SkippableFact]
    public void ReadingDoesNotConsume()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 1);
        burst.Emit(500, 48, BurstEmitter.TargetOverwritable, cpu: 0);

        var first = NewestFirst(reader);
        var second = NewestFirst(reader);

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [SkippableFact]
    public void NewRecordsReplaceTheOldest()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 1);
        const uint size = 40;
        burst.Emit(300, size, BurstEmitter.TargetOverwritable, cpu: 0);
        var before = NewestFirst(reader);

        burst.Emit(10, size, BurstEmitter.TargetOverwritable, cpu: 0);
        var after = NewestFirst(reader);

        Assert.Equal(before.Count, after.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => before[0].Sequence + 10 - (ulong)i), after.Take(10).Select(r => r.Sequence));
        Assert.Equal(before.Take(before.Count - 10), after.Skip(10));
    }

    [SkippableFact]
    public void MixedSizesNeverYieldATornRecord()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 1);
        // Big records, then small ones overwrite part of them: the oldest big one left is cut and must be left out.
        for (var round = 0; round < 25; round++)
        {
            var bigSize = (uint)(120 + round * 5);
            var smallCount = (ulong)(1 + round % 7);
            burst.Emit(40, bigSize, BurstEmitter.TargetOverwritable, cpu: 0);
            burst.Emit(smallCount, 24, BurstEmitter.TargetOverwritable, cpu: 0);
            var last = burst.NextSequence - 1;

            var records = NewestFirst(reader);

            var bytes = records.Sum(r => BurstEmitter.RecordBytes((int)r.Size));
            Assert.True(bytes <= reader.RingSize);
            var nextOlder = burst.NextSequence - (ulong)records.Count - 1;
            var nextOlderSize = nextOlder < last + 1 - smallCount ? bigSize : 24u;
            Assert.True(bytes + BurstEmitter.RecordBytes((int)nextOlderSize) > reader.RingSize, "a whole older record was left out");
            for (var i = 0; i < records.Count; i++)
            {
                Assert.True(records[i].IsIntact, $"round {round}: torn record {records[i]}");
                Assert.Equal(last - (ulong)i, records[i].Sequence);
                Assert.Equal((ulong)i < smallCount ? 24u : bigSize, records[i].Size);
            }
        }
    }

    [SkippableFact]
    public void OldestFirstIsTheReverseOfNewestFirst()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 2);
        foreach (var cpu in reader.Cpus)
        {
            burst.Emit(400, (uint)(32 + cpu * 8), BurstEmitter.TargetOverwritable, cpu);
        }
        var newest = NewestFirst(reader);
        var collector = new BurstCollector();
        reader.ReadOldestFirst(ref collector);
        var oldest = collector.Records;

        Assert.Equal(reader.Cpus, newest.Select(r => r.Cpu).Distinct());
        foreach (var cpu in reader.Cpus)
        {
            var n = newest.Where(r => r.Cpu == cpu).ToList();
            var o = oldest.Where(r => r.Cpu == cpu).ToList();
            n.Reverse();
            Assert.Equal(n, o);
            Assert.True(o.Zip(o.Skip(1)).All(p => p.First.Sequence + 1 == p.Second.Sequence));
        }
    }

    [SkippableFact]
    public void FewRecordsAreAllThere()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 1);
        Assert.Empty(NewestFirst(reader));
        burst.Emit(5, 100, BurstEmitter.TargetOverwritable, cpu: 0);
        var records = NewestFirst(reader);
        Assert.Equal([4ul, 3, 2, 1, 0], records.Select(r => r.Sequence));
        Assert.All(records, r => Assert.True(r.IsIntact));
    }

    [SkippableFact]
    public void DelegateOverloadsSeeTheSameRecords()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 1);
        burst.Emit(100, 56, BurstEmitter.TargetOverwritable, cpu: 0);
        var viaStruct = NewestFirst(reader);
        var viaDelegate = new List<BurstRecord>();
        reader.ReadNewestFirst((cpu, data) => viaDelegate.Add(BurstRecord.Parse(cpu, data)));
        Assert.Equal(viaStruct, viaDelegate);
    }

    [SkippableFact]
    public void MergedReadOrdersAllCpusByTheRecordsKey()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 2);
        // next_sequence is global, so bursts taking turns on the CPUs give a sequence order across CPUs.
        for (var round = 0; round < 30; round++)
        {
            foreach (var cpu in reader.Cpus)
            {
                burst.Emit((ulong)(3 + (round + cpu) % 5), (uint)(24 + 16 * cpu + round % 3 * 8), BurstEmitter.TargetOverwritable, cpu);
            }
        }
        var perCpu = new BurstCollector();
        reader.ReadOldestFirst(ref perCpu);
        var merged = new BurstCollector();
        var count = reader.ReadMergedOldestFirst(ref merged, static data => BitConverter.ToUInt64(data));

        Assert.Equal(perCpu.Records.Count, count);
        Assert.Equal(perCpu.Records.OrderBy(r => r.Sequence), merged.Records);
        Assert.True(merged.Records.Zip(merged.Records.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.All(merged.Records, r => Assert.True(r.IsIntact));
        Assert.Equal(burst.NextSequence - 1, merged.Records[^1].Sequence);
        if (reader.Cpus.Count > 1)
        {
            Assert.Equal(reader.Cpus, merged.Records.Select(r => r.Cpu).Distinct().Order());
        }

        var again = new BurstCollector();
        reader.ReadMergedOldestFirst(ref again, static data => BitConverter.ToUInt64(data));
        Assert.Equal(merged.Records, again.Records);
    }

    [Fact]
    public void PauseFreezesTheHistoryAndResumeReportsWhatWasRefused()
    {
        using var burst = new BurstEmitter();
        using var reader = OpenRing(burst, 1);
        burst.Emit(5, 32, BurstEmitter.TargetOverwritable, cpu: 0);
        reader.Pause();
        reader.Pause(); // again: nothing more
        Assert.True(reader.IsPaused);
        burst.Emit(3, 32, BurstEmitter.TargetOverwritable, cpu: 0);
        Assert.Equal(3ul, burst.PerfDropped); // the kernel refused them

        var frozen = new BurstCollector();
        reader.ReadNewestFirst(ref frozen);
        Assert.True(reader.IsPaused); // reading does not resume a paused recorder
        Assert.Equal([4ul, 3, 2, 1, 0], frozen.Records.Select(r => r.Sequence));
        Assert.Empty(frozen.Losses);

        reader.Resume();
        Assert.False(reader.IsPaused);
        burst.Emit(2, 32, BurstEmitter.TargetOverwritable, cpu: 0);
        Assert.Equal(0ul, burst.PerfDropped);
        var after = new BurstCollector();
        reader.ReadNewestFirst(ref after);
        Assert.Equal([9ul, 8, 4, 3, 2, 1, 0], after.Records.Select(r => r.Sequence));
        Assert.Equal([(0, 3ul)], after.Losses); // the kernel reports the refused records once it can write again
    }
}
