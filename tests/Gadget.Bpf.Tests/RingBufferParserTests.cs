namespace Gadget.Bpf.Tests;

/// <summary><see cref="RingBufferParser"/> on rings in plain memory: the cases the kernel produces only by chance.</summary>
public class RingBufferParserTests
{
    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    private static List<byte[]> Consume(InMemoryRingBuffer ring, out int count)
    {
        var collector = new Collector();
        count = RingBufferParser.Consume(ring.Memory, 3, ref collector);
        return collector.Records;
    }

    [Fact]
    public void RecordsComeInOrderWithTheirExactBytesAndTheirSpaceIsHandedBack()
    {
        using var ring = new InMemoryRingBuffer(256);
        byte[][] written = [Bytes(1, 1), Bytes(8, 2), Bytes(13, 3)];
        foreach (var record in written)
        {
            ring.Submit(record);
        }
        Assert.True(RingBufferParser.HasData(ring.Memory));
        Assert.Equal(16 + 16 + 24, RingBufferParser.PendingBytes(ring.Memory)); // 8-byte headers + data padded to 8

        var records = Consume(ring, out var count);

        Assert.Equal(3, count);
        Assert.Equal(written, records);
        Assert.Equal(ring.Producer, ring.Consumer);
        Assert.False(RingBufferParser.HasData(ring.Memory));
    }

    [Theory]
    [InlineData(40ul, 24)]   // header at 40, data 48..72: wraps at 64
    [InlineData(56ul, 40)]   // header 56..64, data wholly in the second lap
    [InlineData(1000ul, 20)] // positions far past the first lap
    public void ARecordWrappingAroundTheEndIsReadWhole(ulong start, int length)
    {
        using var ring = new InMemoryRingBuffer(64);
        ring.StartAt(start);
        var written = Bytes(length, 7);
        ring.Submit(written);

        var records = Consume(ring, out _);

        Assert.Equal([written], records);
        Assert.Equal(start + 8 + (ulong)((length + 7) & ~7), ring.Consumer);
    }

    [Fact]
    public void AReservedRecordStopsTheReadingUntilItIsSubmitted()
    {
        using var ring = new InMemoryRingBuffer(256);
        ring.Submit(Bytes(4, 1));
        var reserved = ring.Reserve(Bytes(4, 2));
        ring.Submit(Bytes(4, 3));

        var first = Consume(ring, out _);
        Assert.Equal([Bytes(4, 1)], first);
        Assert.Equal(reserved, ring.Consumer); // later records wait for it

        ring.Commit(reserved);
        var rest = Consume(ring, out _);
        Assert.Equal([Bytes(4, 2), Bytes(4, 3)], rest);
        Assert.Equal(ring.Producer, ring.Consumer);
    }

    [Fact]
    public void DiscardedRecordsAreSkippedButTheirSpaceIsHandedBack()
    {
        using var ring = new InMemoryRingBuffer(128);
        ring.Submit(Bytes(4, 1));
        ring.Commit(ring.Reserve(Bytes(16, 2)), discard: true);
        ring.Submit(Bytes(4, 3));
        ring.Commit(ring.Reserve(Bytes(4, 4)), discard: true);

        var records = Consume(ring, out var count);

        Assert.Equal(2, count);
        Assert.Equal([Bytes(4, 1), Bytes(4, 3)], records);
        Assert.Equal(ring.Producer, ring.Consumer);
    }

    [Fact]
    public void RecordsSubmittedWhileReadingAreReadInTheSameCall()
    {
        using var ring = new InMemoryRingBuffer(256);
        ring.Submit(Bytes(4, 1));
        var handler = new AppendingHandler(ring);

        var count = RingBufferParser.Consume(ring.Memory, 0, ref handler);

        Assert.Equal(3, count); // the first record's handler submitted a second, whose handler submitted a third
        Assert.Equal(ring.Producer, ring.Consumer);
    }

    [Fact]
    public void ARecordWhoseHandlerThrowsIsConsumedAndTheNextCallGoesOn()
    {
        using var ring = new InMemoryRingBuffer(256);
        for (byte i = 0; i < 4; i++)
        {
            ring.Submit([i]);
        }
        var throwing = new ThrowingHandler();
        Assert.Throws<InvalidDataException>(() => RingBufferParser.Consume(ring.Memory, 0, ref throwing));
        Assert.Equal([0, 1], throwing.Seen);

        var rest = Consume(ring, out _);
        Assert.Equal([[2], [3]], rest);
    }

    private struct Collector : IRingBufferHandler
    {
        public Collector()
        {
        }

        internal List<byte[]> Records { get; } = [];

        public readonly void OnRecord(int ring, ReadOnlySpan<byte> record)
        {
            Assert.Equal(3, ring);
            Records.Add(record.ToArray());
        }
    }

    private struct AppendingHandler(InMemoryRingBuffer ring) : IRingBufferHandler
    {
        private int _seen;

        public void OnRecord(int index, ReadOnlySpan<byte> record)
        {
            if (++_seen < 3)
            {
                ring.Submit([(byte)_seen]);
            }
        }
    }

    private sealed class ThrowingHandler : IRingBufferHandler
    {
        internal List<byte> Seen { get; } = [];

        public void OnRecord(int ring, ReadOnlySpan<byte> record)
        {
            Seen.Add(record[0]);
            if (record[0] == 1)
            {
                throw new InvalidDataException("bad record");
            }
        }
    }
}
