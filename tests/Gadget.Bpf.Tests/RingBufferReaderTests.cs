using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

public class RingBufferReaderTests
{
    private const long NrOpenat = 257;

    [SkippableFact]
    public void SyscallRecordOfThisProcessArrivesWithItsPath()
    {
        using var test = RingBufferTestObject.Load(traceThisProcess: true);
        using var link = test.Object.Program("on_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter");
        using var reader = new RingBufferReader(test.Events);
        var path = $"/tmp/gadget-{Guid.NewGuid():N}";
        try
        {
            using var _ = File.OpenRead(path); // openat(2) of a file that does not exist
        }
        catch (FileNotFoundException)
        {
        }

        var matches = new List<SyscallEvent>();
        var pids = new HashSet<uint>();
        var deadline = Stopwatch.StartNew();
        while (matches.Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            reader.Poll(
                record =>
                {
                    var e = MemoryMarshal.Read<SyscallEvent>(record);
                    pids.Add(e.Pid);
                    if (e.SyscallId == NrOpenat && e.PathString == path)
                    {
                        matches.Add(e);
                    }
                },
                TimeSpan.FromMilliseconds(200));
        }
        Assert.NotEmpty(matches);
        Assert.Equal((uint)Environment.ProcessId, matches[0].Pid);
        Assert.Equal([(uint)Environment.ProcessId], pids); // the BPF filter lets only this process through
        Assert.True(matches[0].TimestampNs > 0);
    }

    [SkippableFact]
    public void BurstLargerThanTheRingLosesTheRestAndTheRingWorksAgainAfterConsuming()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var capacity = test.Events.MaxEntries / (RingBufferTestObject.BurstRecordSize + 8);
        var count = (ulong)capacity * 3;
        var first = test.NextSequence;

        test.EmitBurst(count);
        var dropped = test.RingBufferDropped;
        var collector = new SequenceCollector();
        var received = reader.Poll(ref collector, 1000);

        Assert.Equal(collector.Records.Count, received);
        Assert.InRange(received, capacity - 1, capacity); // the ring holds `capacity` records, rounding aside
        Assert.Equal(count, (ulong)received + dropped);
        Assert.Equal(Enumerable.Range(0, received).Select(i => first + (ulong)i), collector.Sequences);
        Assert.Equal(0, reader.Consume(ref collector)); // nothing left

        var second = new SequenceCollector();
        test.EmitBurst(100);
        Assert.Equal(0ul, test.RingBufferDropped);
        Assert.Equal(100, reader.Poll(ref second, 1000));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => first + count + (ulong)i), second.Sequences);
    }

    [SkippableFact]
    public void ConsumingWhileTheKernelProducesLosesAndReordersNothing()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var first = test.NextSequence;
        const int Bursts = 40;
        const ulong PerBurst = 2000; // twice the ring's capacity: some records are dropped unless the consumer keeps up
        ulong dropped = 0;
        var producing = true;
        var producer = new Thread(() =>
        {
            for (var i = 0; i < Bursts; i++)
            {
                test.EmitBurst(PerBurst);
                dropped += test.RingBufferDropped;
            }
            Volatile.Write(ref producing, false);
        });

        var collector = new SequenceCollector();
        producer.Start();
        while (Volatile.Read(ref producing))
        {
            reader.Poll(ref collector, 100);
        }
        producer.Join();
        reader.Consume(ref collector);

        var sequences = collector.Sequences.ToList();
        Assert.Equal(Bursts * PerBurst, (ulong)sequences.Count + dropped);
        Assert.All(sequences.Zip(sequences.Skip(1)), pair => Assert.True(pair.First < pair.Second, $"{pair.Second} after {pair.First}"));
        Assert.InRange(sequences[0], first, first + dropped);
        Assert.InRange(sequences[^1], first, first + Bursts * PerBurst - 1);
    }

    [SkippableFact]
    public void DiscardedRecordsAreSkipped()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var first = test.NextSequence;
        Assert.Equal(0, reader.GetPendingBytes(0));
        test.EmitBurst(101, RingBufferTestObject.TargetRingBufferDiscardOdd);
        Assert.Equal(101 * (RingBufferTestObject.BurstRecordSize + 8), reader.GetPendingBytes(0)); // discarded ones too
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetPendingBytes(1));
        var collector = new SequenceCollector();
        var received = reader.Poll(ref collector, 1000);

        var expected = Enumerable.Range(0, 101).Select(i => first + (ulong)i).Where(s => s % 2 == 0).ToList();
        Assert.Equal(expected.Count, received);
        Assert.Equal(expected, collector.Sequences);
        Assert.Equal(0, reader.Consume(ref collector));
        Assert.Equal(0, reader.GetPendingBytes(0));
    }

    [SkippableFact]
    public void TwoRingBuffersInOneReaderKeepTheirIdentity()
    {
        using var a = RingBufferTestObject.Load();
        using var b = RingBufferTestObject.Load();
        using var reader = new RingBufferReader();
        Assert.Equal(0, reader.Add(a.Events));
        Assert.Equal(1, reader.Add(b.Events));
        Assert.Equal(2, reader.RingCount);
        var firstA = a.NextSequence;
        var firstB = b.NextSequence;

        b.EmitBurst(7);
        a.EmitBurst(5);
        var collector = new SequenceCollector();
        var total = 0;
        var deadline = Stopwatch.StartNew();
        while (total < 12 && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            total += reader.Poll(ref collector, 500);
        }

        Assert.Equal(12, total);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => firstA + (ulong)i), collector.Records.Where(r => r.Ring == 0).Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => firstB + (ulong)i), collector.Records.Where(r => r.Ring == 1).Select(r => r.Sequence));
    }

    [SkippableFact]
    public void ForeachReadsAvailableRecordsAndBreakingOutConsumesTheCurrentOne()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var first = test.NextSequence;
        test.EmitBurst(10);

        var seen = new List<ulong>();
        foreach (var record in reader.ReadAvailable())
        {
            seen.Add(RingBufferTestObject.Sequence(record));
            if (seen.Count == 3)
            {
                break;
            }
        }
        var rest = new List<ulong>();
        var enumerator = reader.ReadAvailable().GetEnumerator();
        try
        {
            while (enumerator.MoveNext())
            {
                Assert.Equal(0, enumerator.Ring);
                rest.Add(RingBufferTestObject.Sequence(enumerator.Current));
            }
        }
        finally
        {
            enumerator.Dispose();
        }

        Assert.Equal([first, first + 1, first + 2], seen);
        Assert.Equal(Enumerable.Range(3, 7).Select(i => first + (ulong)i), rest);
        Assert.Equal(0, reader.Consume(_ => { }));
    }

    /// <summary>
    /// The enumerator's paths other than "the next record is there": an empty ring before the others, discarded records
    /// skipped (and handed back), the switch from one ring to the next, and the end; then nothing is left to read.
    /// </summary>
    [SkippableFact]
    public void ForeachSkipsDiscardedRecordsAndEmptyRingsAndKeepsEachRecordsRing()
    {
        using var empty = RingBufferTestObject.Load();
        using var a = RingBufferTestObject.Load();
        using var b = RingBufferTestObject.Load();
        using var reader = new RingBufferReader();
        reader.Add(empty.Events);
        reader.Add(a.Events);
        reader.Add(b.Events);
        var firstA = a.NextSequence;
        var firstB = b.NextSequence;
        a.EmitBurst(9, RingBufferTestObject.TargetRingBufferDiscardOdd);
        b.EmitBurst(4);

        var seen = new List<(int Ring, ulong Sequence)>();
        var enumerator = reader.ReadAvailable().GetEnumerator();
        try
        {
            while (enumerator.MoveNext())
            {
                seen.Add((enumerator.Ring, RingBufferTestObject.Sequence(enumerator.Current)));
            }
            Assert.False(enumerator.MoveNext()); // stays at the end
        }
        finally
        {
            enumerator.Dispose();
        }

        var expected = Enumerable.Range(0, 9).Select(i => (1, firstA + (ulong)i)).Where(r => r.Item2 % 2 == 0)
            .Concat(Enumerable.Range(0, 4).Select(i => (2, firstB + (ulong)i)));
        Assert.Equal(expected, seen);
        for (var ring = 0; ring < 3; ring++)
        {
            Assert.Equal(0, reader.GetPendingBytes(ring));
        }
        foreach (var record in reader.ReadAvailable())
        {
            Assert.Fail($"a record was left: {RingBufferTestObject.Sequence(record)}");
        }
    }

    [SkippableFact]
    public void RecordWhoseHandlerThrowsIsConsumedAndReadingGoesOn()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var first = test.NextSequence;
        test.EmitBurst(5);

        var seen = new List<ulong>();
        Assert.Throws<InvalidDataException>(() => reader.Consume(record =>
        {
            seen.Add(RingBufferTestObject.Sequence(record));
            if (seen.Count == 2)
            {
                throw new InvalidDataException("handler failure");
            }
        }));
        Assert.Equal(3, reader.Consume(record => seen.Add(RingBufferTestObject.Sequence(record))));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => first + (ulong)i), seen);
    }

    [SkippableFact]
    public void StructHandlerConsumesWithoutAllocating()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var handler = new SumHandler();
        test.EmitBurst(50);
        reader.Consume(ref handler); // warm-up (JIT)
        var delegateHandler = new RingBufferRecordHandler(record => handler.Sum += record[0]);
        reader.Consume(delegateHandler);

        test.EmitBurst(500);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = reader.Consume(ref handler);
        var afterStruct = GC.GetAllocatedBytesForCurrentThread();
        test.EmitBurst(500);
        var beforeDelegate = GC.GetAllocatedBytesForCurrentThread();
        var delegateCount = reader.Consume(delegateHandler);
        var afterDelegate = GC.GetAllocatedBytesForCurrentThread();

        test.EmitBurst(500);
        var foreachCount = CountWithForeach(reader); // once for the JIT
        test.EmitBurst(500);
        var beforeForeach = GC.GetAllocatedBytesForCurrentThread();
        foreachCount = CountWithForeach(reader);
        var afterForeach = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(500, count);
        Assert.Equal(500, delegateCount);
        Assert.Equal(500, foreachCount);
        Assert.Equal(0, afterStruct - before);
        Assert.Equal(0, afterDelegate - beforeDelegate);
        Assert.Equal(0, afterForeach - beforeForeach);
    }

    [SkippableFact]
    public void WrongMapTypeIsRejectedNamingTheType()
    {
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader();
        var e = Assert.Throws<ArgumentException>(() => reader.Add(test.Object.Map("syscall_counts")));
        Assert.Contains("Hash", e.Message);
        Assert.Contains("syscall_counts", e.Message);
        var perf = Assert.Throws<ArgumentException>(() => new RingBufferReader(test.Object.Map("perf_events")));
        Assert.Contains("PerfEventArray", perf.Message);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void BurstsWithAndWithoutBpfLoopWriteTheSameRecordsAndDropCounts(bool useLoop)
    {
        // Kernels before 5.17 have no bpf_loop: their bursts run emit_burst_step once per record. Both ways are
        // checked here, where bpf_loop exists, so that the readers' tests on old kernels rest on a proven emitter.
        if (useLoop)
        {
            KernelFeatures.Require(KernelFeatures.Loop);
        }
        using var test = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(test.Events);
        var capacity = test.Events.MaxEntries / (RingBufferTestObject.BurstRecordSize + 8);
        var count = (ulong)capacity + 50;
        var first = test.NextSequence;

        BurstPrograms.Run(test.Object, count, RingBufferTestObject.BurstRecordSize, RingBufferTestObject.TargetRingBuffer, useLoop: useLoop);
        var dropped = test.RingBufferDropped;
        var collector = new SequenceCollector();
        var received = reader.Consume(ref collector);

        Assert.InRange(received, capacity - 1, capacity);
        Assert.Equal(count, (ulong)received + dropped);
        Assert.Equal(first + count, test.NextSequence);
        Assert.Equal(Enumerable.Range(0, received).Select(i => first + (ulong)i), collector.Sequences);

        BurstPrograms.Run(test.Object, 0, RingBufferTestObject.BurstRecordSize, RingBufferTestObject.TargetRingBuffer, useLoop: useLoop);
        Assert.Equal(0ul, test.RingBufferDropped); // an empty burst resets the count, as every burst does
    }

    [SkippableFact]
    public void RingBufferCreatedFromCSharpCanBeAdded()
    {
        using var map = BpfMap.Create(BpfMapType.RingBuffer, 0, 0, 4096 * 16, "gadget_rb_test");
        using var reader = new RingBufferReader(map);
        Assert.Equal(0, reader.Consume(_ => { }));
        var enumerator = reader.ReadAvailable().GetEnumerator();
        try
        {
            Assert.False(enumerator.MoveNext());
        }
        finally
        {
            enumerator.Dispose();
        }
    }

    private static int CountWithForeach(RingBufferReader reader)
    {
        var count = 0;
        foreach (var record in reader.ReadAvailable())
        {
            count += record.Length > 0 ? 1 : 0;
        }
        return count;
    }

    private struct SumHandler : IRingBufferHandler
    {
        public ulong Sum;

        public void OnRecord(int ring, ReadOnlySpan<byte> record) => Sum += record[0];
    }
}
