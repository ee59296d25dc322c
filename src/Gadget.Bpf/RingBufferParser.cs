using System.Runtime.CompilerServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// Reads the records of one BPF ring buffer (<c>BPF_MAP_TYPE_RINGBUF</c>) from its memory, wherever that memory comes from
/// (the kernel's mapping, or an in-memory ring in a unit test). A record is an 8-byte header (a 32-bit length word whose
/// bit 31 says "reserved, not submitted yet" and bit 30 "discarded", then 4 bytes the kernel uses) and the data, padded
/// to 8 bytes. The space of each record is handed back (<c>consumer_pos</c>, release store) as soon as it was handled.
/// </summary>
internal static unsafe class RingBufferParser
{
    internal const uint BusyBit = 1u << 31;
    internal const uint DiscardBit = 1u << 30;
    internal const uint HeaderSize = 8;

    /// <summary>Whether the ring has unread bytes (records, possibly still busy or discarded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool HasData(in RingBufferMemory ring) =>
        Volatile.Read(ref *ring.ProducerPosition) != Volatile.Read(ref *ring.ConsumerPosition);

    /// <summary>Bytes written and not consumed yet (headers included).</summary>
    internal static long PendingBytes(in RingBufferMemory ring) =>
        (long)(Volatile.Read(ref *ring.ProducerPosition) - Volatile.Read(ref *ring.ConsumerPosition));

    /// <summary>
    /// Hands every record available now to <paramref name="handler"/> (as ring <paramref name="index"/>), skipping discarded
    /// ones and stopping at a record still being written (later records must wait for it). Reads the producer position
    /// again when it has caught up, so records submitted meanwhile are read too. A record whose handler throws counts as
    /// consumed: the exception propagates and the next call continues after that record.
    /// </summary>
    /// <returns>The number of records handed to the handler.</returns>
    internal static int Consume<THandler>(in RingBufferMemory ring, int index, ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        try
        {
            return ConsumeCore(ring, index, ref handler);
        }
        catch
        {
            // The handler of the record at consumer_pos threw (all records before it were published as consumed):
            // count that record as consumed too, so it is not delivered again.
            var position = *ring.ConsumerPosition;
            var length = ReadHeader(ring, position, out _);
            if (!IsBusy(length))
            {
                Volatile.Write(ref *ring.ConsumerPosition, NextPosition(position, length));
            }
            throw;
        }
    }

    /// <summary>Reads the length word of the record at <paramref name="position"/>; bit 31 busy, bit 30 discarded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint ReadHeader(in RingBufferMemory ring, ulong position, out uint* header)
    {
        header = (uint*)(ring.Data + (position & ring.Mask));
        return Volatile.Read(ref *header);
    }

    /// <summary>The position after a record whose length word is <paramref name="length"/>: header and data, 8-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong NextPosition(ulong position, uint length) =>
        position + (((length & ~(BusyBit | DiscardBit)) + HeaderSize + 7) & ~7u);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsBusy(uint length) => (length & BusyBit) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsDiscarded(uint length) => (length & DiscardBit) != 0;

    /// <summary>The data of the record whose header is at <paramref name="header"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> RecordData(uint* header, uint length) =>
        new(header + 2, (int)(length & ~(BusyBit | DiscardBit)));

    private static int ConsumeCore<THandler>(in RingBufferMemory ring, int index, ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        var consumerPosition = ring.ConsumerPosition;
        var producerPosition = ring.ProducerPosition;
        var data = ring.Data;
        var mask = ring.Mask;
        var consumer = *consumerPosition; // only this reader writes it
        var count = 0;
        while (true)
        {
            var producer = Volatile.Read(ref *producerPosition);
            if (consumer >= producer)
            {
                return count;
            }
            do
            {
                var header = (uint*)(data + (consumer & mask));
                var length = Volatile.Read(ref *header);
                if ((length & BusyBit) != 0)
                {
                    return count; // reserved, not submitted yet: later records must wait for it
                }
                var recordLength = length & ~DiscardBit;
                if ((length & DiscardBit) == 0)
                {
                    handler.OnRecord(index, new ReadOnlySpan<byte>(header + 2, (int)recordLength));
                    count++;
                }
                consumer += (recordLength + HeaderSize + 7) & ~7u;
                Volatile.Write(ref *consumerPosition, consumer); // release: the kernel may reuse the record's space now
            }
            while (consumer < producer);
        }
    }
}
