namespace Gadget.Bpf.Tests;

/// <summary>
/// <see cref="PerfRingParser"/> on perf rings in plain memory: forward reading (normal rings) with records wrapping around the
/// end and impossible sizes, and the backward walk of overwritable rings (newest first, never a torn or overwritten record).
/// </summary>
public unsafe class PerfRingParserTests
{
    private const int ScratchSize = 256;

    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    /// <summary>Reads forward from data_tail to data_head as the streaming reader does; returns each record's kind and body.</summary>
    private static List<(PerfRecordKind Kind, byte[] Sample, ulong Lost)> ReadForward(InMemoryPerfRing ring, out bool corrupt)
    {
        var result = new List<(PerfRecordKind, byte[], ulong)>();
        var scratch = stackalloc byte[ScratchSize];
        var memory = ring.Memory;
        var head = memory.Head;
        var tail = memory.Tail;
        corrupt = false;
        while (tail != head)
        {
            var record = PerfRingParser.Next(memory, ref tail, head, scratch, ScratchSize, out var size);
            if (record is null)
            {
                corrupt = true;
                break;
            }
            var kind = PerfRingParser.Parse(record, size, out var sample, out var lost);
            result.Add((kind, sample.ToArray(), lost));
        }
        memory.Tail = tail;
        return result;
    }

    /// <summary>Copies and indexes an overwritable ring as the flight recorder does; returns the samples' first bytes, newest first.</summary>
    private static List<byte[]> ReadBackward(InMemoryPerfRing ring, out int length)
    {
        var copy = new byte[ring.Size];
        var offsets = new int[ring.Size / 8 + 1];
        var samples = new List<byte[]>();
        fixed (byte* destination = copy)
        fixed (int* index = offsets)
        {
            length = PerfRingParser.CopyIntactRecords(ring.Memory, ring.Head, destination);
            var count = PerfRingParser.IndexRecords(destination, length, index);
            for (var i = 0; i < count; i++)
            {
                var record = destination + offsets[i];
                Assert.Equal(PerfRecordKind.Sample, PerfRingParser.Parse(record, PerfRingParser.RecordSize(record), out var sample, out _));
                samples.Add(sample.ToArray());
            }
        }
        return samples;
    }

    [Fact]
    public void SamplesAndLossReportsAreReadInOrder()
    {
        using var ring = new InMemoryPerfRing(256);
        ring.WriteForward(InMemoryPerfRing.Sample(Bytes(4, 1)));
        ring.WriteForward(InMemoryPerfRing.Lost(17));
        ring.WriteForward(InMemoryPerfRing.Sample(Bytes(18, 2)));

        var records = ReadForward(ring, out var corrupt);

        Assert.False(corrupt);
        Assert.Equal([PerfRecordKind.Sample, PerfRecordKind.Lost, PerfRecordKind.Sample], records.Select(r => r.Kind));
        Assert.Equal(Bytes(4, 1), records[0].Sample); // 4 bytes + u32 size fill one 8-byte word: no padding
        Assert.Equal(17ul, records[1].Lost);
        Assert.Equal(Bytes(18, 2).Concat(new byte[2]), records[2].Sample); // padded by the kernel: u32 size + 20 bytes fill 3 words
        Assert.Equal(ring.Head, ring.Tail);
    }

    [Theory]
    [InlineData(48ul, 20)]  // header in place, body wraps
    [InlineData(56ul, 36)]  // header in the last 8 bytes, the whole body after the wrap
    [InlineData(304ul, 44)] // a later lap
    public void ARecordWrappingAroundTheEndIsCopiedWhole(ulong start, int length)
    {
        using var ring = new InMemoryPerfRing(64);
        ring.Head = ring.Tail = start;
        var data = Bytes(length, 9);
        ring.WriteForward(InMemoryPerfRing.Sample(data));

        var records = ReadForward(ring, out var corrupt);

        Assert.False(corrupt);
        var sample = Assert.Single(records).Sample;
        Assert.Equal(data, sample.AsSpan(0, length).ToArray());
        Assert.Equal(ring.Head, ring.Tail);
    }

    [Theory]
    [InlineData((ushort)0)]   // never written
    [InlineData((ushort)4)]   // smaller than a header
    [InlineData((ushort)200)] // beyond data_head
    public void AnImpossibleSizeStopsTheReadingWithoutMovingTheTail(ushort size)
    {
        using var ring = new InMemoryPerfRing(256);
        ring.WriteForward(InMemoryPerfRing.Sample(Bytes(4, 1)));
        var second = ring.Head;
        ring.WriteForward(InMemoryPerfRing.Sample(Bytes(4, 2)));
        ring.SetRecordSize(second, size);

        var records = ReadForward(ring, out var corrupt);

        Assert.True(corrupt);
        Assert.Single(records);
        Assert.Equal(second, ring.Tail);
    }

    [Fact]
    public void ASampleWhoseRawSizeExceedsItsRecordIsMalformed()
    {
        var record = InMemoryPerfRing.Sample(Bytes(12, 1));
        record[8] = 200; // raw size 200 in a 24-byte record
        fixed (byte* bytes = record)
        {
            Assert.Equal(PerfRecordKind.Malformed, PerfRingParser.Parse(bytes, (uint)record.Length, out var sample, out _));
            Assert.True(sample.IsEmpty);
        }
    }

    [Fact]
    public void TheBackwardWalkReadsNewestFirstAndStopsAtTheFirstRecordEverWritten()
    {
        using var ring = new InMemoryPerfRing(256);
        for (byte i = 0; i < 4; i++)
        {
            ring.WriteBackward(InMemoryPerfRing.Sample(Bytes(4 + 8 * i, (byte)(10 * i))));
        }

        var samples = ReadBackward(ring, out var length);

        Assert.Equal(16 + 24 + 32 + 40, length);
        Assert.Equal([30, 20, 10, 0], samples.Select(s => s[0]));
        Assert.Equal(0ul, ring.Head + (ulong)length); // the walk ended at position 0
    }

    [Fact]
    public void TheBackwardWalkStopsBeforeARecordTheWrapAroundPartlyOverwrote()
    {
        using var ring = new InMemoryPerfRing(64);
        for (byte i = 0; i < 5; i++)
        {
            ring.WriteBackward(InMemoryPerfRing.Sample(Bytes(12, (byte)(10 * i)))); // 24-byte records
        }

        var samples = ReadBackward(ring, out var length);

        // 120 bytes written into 64: the two newest are whole; the third's end lies where the newest now are.
        Assert.Equal(48, length);
        Assert.Equal([40, 30], samples.Select(s => s[0]));
    }

    [Fact]
    public void TheBackwardWalkNeverDeliversATornRecord()
    {
        using var ring = new InMemoryPerfRing(256);
        for (byte i = 0; i < 4; i++)
        {
            ring.WriteBackward(InMemoryPerfRing.Sample(Bytes(12, (byte)(10 * i))));
        }
        // The second oldest record's header says 12 bytes: not a whole number of 8-byte words, so not a record.
        ring.SetRecordSize(ring.Head + 48, 12);

        var samples = ReadBackward(ring, out var length);

        Assert.Equal(48, length);
        Assert.Equal([30, 20], samples.Select(s => s[0]));
    }

    [Fact]
    public void TheBackwardWalkCopiesAcrossTheRingsEnd()
    {
        using var ring = new InMemoryPerfRing(64);
        ring.Head = 64 + 16; // the next record (24 bytes, written at head - 24) wraps: 56..64 and 0..16
        ring.WriteBackward(InMemoryPerfRing.Sample(Bytes(12, 5)));
        ring.WriteBackward(InMemoryPerfRing.Sample(Bytes(12, 50)));

        var samples = ReadBackward(ring, out var length);

        Assert.Equal(48, length);
        Assert.Equal([Bytes(12, 50), Bytes(12, 5)], samples);
    }
}
