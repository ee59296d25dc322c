using System.Buffers.Binary;

namespace Gadget.Bpf.Tests;

/// <summary>
/// A second consuming call while one runs, from one of its handlers or from another thread: refused, so that no record is
/// delivered twice and no ring's read position moves back over records the kernel has written since.
/// </summary>
public class NestedConsumptionTests
{
    [SkippableFact]
    public void ARingBufferConsumeNestedInAHandlerIsRefusedAndEveryRecordComesOnce()
    {
        using var rb = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(rb.Events);
        rb.EmitBurst(300);
        var sequences = new List<ulong>();
        Exception? nested = null;
        var outer = Record.Exception(() => reader.Consume(record =>
        {
            sequences.Add(RingBufferTestObject.Sequence(record));
            if (sequences.Count == 1)
            {
                nested = Record.Exception(() => reader.Consume(r => sequences.Add(RingBufferTestObject.Sequence(r))));
                rb.EmitBurst(300); // the kernel goes on writing meanwhile
                Assert.Throws<InvalidOperationException>(() => reader.Poll(_ => { }, 0));
                Assert.Throws<InvalidOperationException>(() =>
                {
                    foreach (var unused in reader.ReadAvailable())
                    {
                    }
                });
            }
        }));

        Assert.Null(outer);
        var refused = Assert.IsType<InvalidOperationException>(nested);
        Assert.Contains("cannot be nested", refused.Message);
        reader.Consume(record => sequences.Add(RingBufferTestObject.Sequence(record)));
        Assert.Equal(0ul, rb.RingBufferDropped);
        Assert.Equal(Enumerable.Range(0, 600).Select(i => (ulong)i), sequences.Order());
        Assert.Equal(0, reader.GetPendingBytes(0));
    }

    [SkippableFact]
    public void AConsumeWhileAnotherThreadConsumesIsRefusedAndTheReaderGoesOn()
    {
        using var rb = RingBufferTestObject.Load();
        using var reader = new RingBufferReader(rb.Events);
        rb.EmitBurst(10);
        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var sequences = new List<ulong>();
        var consumer = new Thread(() => reader.Consume(record =>
        {
            lock (sequences)
            {
                sequences.Add(RingBufferTestObject.Sequence(record));
            }
            inHandler.Set();
            release.Wait();
        }));
        consumer.Start();
        Assert.True(inHandler.Wait(TimeSpan.FromSeconds(10)), "the consumer thread never reached its handler");

        var refused = Assert.Throws<InvalidOperationException>(() => reader.Consume(_ => throw new InvalidOperationException("a second consumer got a record")));
        Assert.Contains("Another thread", refused.Message);
        release.Set();
        consumer.Join();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), sequences);
        rb.EmitBurst(3);
        Assert.Equal(3, reader.Consume(_ => { }));
    }

    [SkippableFact]
    public void APerfBufferConsumeNestedInAHandlerIsRefusedAndEveryRecordComesOnce()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 16 });
        burst.Emit(50, 32, BurstEmitter.TargetPerf, cpu: 0);
        var sequences = new List<ulong>();
        Exception? nested = null;
        reader.Consume((cpu, record) =>
        {
            sequences.Add(BinaryPrimitives.ReadUInt64LittleEndian(record));
            if (sequences.Count == 1)
            {
                nested = Record.Exception(() => reader.Consume((_, r) => sequences.Add(BinaryPrimitives.ReadUInt64LittleEndian(r))));
            }
        });

        Assert.IsType<InvalidOperationException>(nested);
        Assert.Equal(0, reader.Consume((_, _) => { }));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (ulong)i), sequences);
    }

    [SkippableFact]
    public void AFlightRecorderReadNestedInAHandlerIsRefusedAndTheNextReadIsWhole()
    {
        using var burst = new BurstEmitter();
        using var recorder = new PerfFlightRecorder(burst.Object.Map("overwrite_events"), pageCount: 2);
        burst.Emit(40, 64, BurstEmitter.TargetOverwritable, cpu: 0);
        var first = new BurstCollector();
        var expected = recorder.ReadNewestFirst(ref first);
        Assert.True(expected > 1, "the recorder should hold several records");

        Exception? nested = null, merged = null;
        var outer = new List<BurstRecord>();
        recorder.ReadNewestFirst((cpu, record) =>
        {
            outer.Add(BurstRecord.Parse(cpu, record));
            if (outer.Count == 1)
            {
                nested = Record.Exception(() => recorder.ReadOldestFirst((_, _) => { }));
                merged = Record.Exception(() => recorder.ReadMergedOldestFirst((_, _) => { }, r => BinaryPrimitives.ReadUInt64LittleEndian(r)));
            }
        });

        Assert.IsType<InvalidOperationException>(nested);
        Assert.IsType<InvalidOperationException>(merged);
        Assert.Equal(first.Records, outer);
        Assert.All(outer, r => Assert.True(r.IsIntact, $"record {r} is not whole"));
        var again = new BurstCollector();
        Assert.Equal(expected, recorder.ReadNewestFirst(ref again));
    }
}
