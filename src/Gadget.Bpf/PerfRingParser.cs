using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// Reads the records of one perf ring (a BPF output perf event's ring) from its memory, wherever that memory comes from
/// (the kernel's mapping, or plain memory in a unit test). A record is a <c>struct perf_event_header</c> (u32 type, u16
/// misc, u16 size: the whole record's size, a multiple of 8) and its body. A normal ring is read forward from
/// <c>data_tail</c> to <c>data_head</c>, and a record may wrap around the ring's end. An overwritable ring
/// (<c>write_backward</c>) has <c>data_head</c> moving down: the newest record starts at head, older ones follow, up to
/// where the kernel's wrap-around has overwritten them.
/// </summary>
internal static unsafe class PerfRingParser
{
    /// <summary>The largest record: <c>perf_event_header.size</c> is a u16.</summary>
    internal const int MaxRecordSize = ushort.MaxValue + 1;

    /// <summary>Reads a record's type and body.</summary>
    /// <param name="record">The record, header first (contiguous).</param>
    /// <param name="size">The record's size from its header.</param>
    /// <param name="sample">A sample's raw data (what the BPF program wrote, padded by the kernel to 8-byte words with its length).</param>
    /// <param name="lost">A loss report's count.</param>
    internal static PerfRecordKind Parse(byte* record, uint size, out ReadOnlySpan<byte> sample, out ulong lost)
    {
        sample = default;
        lost = 0;
        var type = *(uint*)record;
        if (type == PerfAbi.PERF_RECORD_SAMPLE && size >= PerfAbi.PerfEventHeaderSize + sizeof(uint))
        {
            var rawSize = *(uint*)(record + PerfAbi.PerfEventHeaderSize);
            if (rawSize > size - PerfAbi.PerfEventHeaderSize - sizeof(uint))
            {
                return PerfRecordKind.Malformed;
            }
            sample = new ReadOnlySpan<byte>(record + PerfAbi.PerfEventHeaderSize + sizeof(uint), (int)rawSize);
            return PerfRecordKind.Sample;
        }
        if (type == PerfAbi.PERF_RECORD_LOST && size >= PerfAbi.PerfEventHeaderSize + 16)
        {
            lost = *(ulong*)(record + PerfAbi.PerfEventHeaderSize + 8); // after the u64 id
            return PerfRecordKind.Lost;
        }
        return PerfRecordKind.Other;
    }

    /// <summary>The size field of the record header at <paramref name="record"/>.</summary>
    internal static uint RecordSize(byte* record) => *(ushort*)(record + 6);

    /// <summary>
    /// A normal ring: the record at <paramref name="tail"/> (not past <paramref name="head"/>), in place, or copied into
    /// <paramref name="scratch"/> when it wraps around the ring's end; <paramref name="tail"/> moves past it. Headers are
    /// 8-byte aligned and never wrap.
    /// </summary>
    /// <param name="ring">The ring.</param>
    /// <param name="tail">Where the record starts; moved past it.</param>
    /// <param name="head">Where the written records end.</param>
    /// <param name="scratch">Room for <paramref name="scratchSize"/> bytes: <c>min(</c><see cref="MaxRecordSize"/><c>, ring size)</c>.</param>
    /// <param name="scratchSize">The scratch buffer's size.</param>
    /// <param name="size">The record's size from its header.</param>
    /// <returns>The record, or null (<paramref name="tail"/> unchanged) when its size is impossible: the ring is corrupt.</returns>
    internal static byte* Next(in PerfRingMemory ring, ref ulong tail, ulong head, byte* scratch, int scratchSize, out uint size)
    {
        var offset = tail & ring.Mask;
        var record = ring.Data + offset;
        size = RecordSize(record);
        if (size < PerfAbi.PerfEventHeaderSize || size > head - tail || size > (uint)scratchSize)
        {
            return null;
        }
        if (offset + size > ring.Size)
        {
            record = CopyWrapped(ring, offset, size, scratch, scratchSize);
        }
        tail += size;
        return record;
    }

    /// <summary>
    /// Copies the record of <paramref name="size"/> bytes at <paramref name="offset"/>, which wraps around the ring's end, into
    /// <paramref name="scratch"/>. Returns the copy, or null when it does not fit (only a corrupt size can be that large).
    /// </summary>
    internal static byte* CopyWrapped(in PerfRingMemory ring, ulong offset, uint size, byte* scratch, int scratchSize)
    {
        if (size > (uint)scratchSize)
        {
            return null;
        }
        var first = (int)(ring.Size - offset);
        Buffer.MemoryCopy(ring.Data + offset, scratch, scratchSize, first);
        Buffer.MemoryCopy(ring.Data, scratch + first, scratchSize - first, size - first);
        return scratch;
    }

    /// <summary>
    /// An overwritable ring: how many bytes from <paramref name="head"/> on hold intact records, newest first. Walks until
    /// the ring's size is covered, a zero or misaligned size (never-written space), position 0 (the end of the first record
    /// ever written), or a record that would reach past head + ring size (its end was overwritten by the newest records).
    /// </summary>
    internal static int MeasureIntactRecords(in PerfRingMemory ring, ulong head)
    {
        var position = head;
        while (position != 0)
        {
            var used = position - head;
            if (used + PerfAbi.PerfEventHeaderSize > ring.Size)
            {
                break;
            }
            var size = (ulong)RecordSize(ring.Data + (position & ring.Mask));
            if (size < PerfAbi.PerfEventHeaderSize || (size & 7) != 0 || used + size > ring.Size)
            {
                break;
            }
            position += size;
        }
        return (int)(position - head);
    }

    /// <summary>
    /// An overwritable ring: copies its intact records from <paramref name="head"/> on (newest first, contiguous) into
    /// <paramref name="destination"/>, which has room for the ring's size. Returns the number of bytes copied.
    /// </summary>
    internal static int CopyIntactRecords(in PerfRingMemory ring, ulong head, byte* destination)
    {
        var room = (long)ring.Size;
        var length = MeasureIntactRecords(ring, head);
        var offset = head & ring.Mask;
        var first = (int)Math.Min((ulong)length, ring.Size - offset);
        Buffer.MemoryCopy(ring.Data + offset, destination, room, first);
        if (length > first)
        {
            Buffer.MemoryCopy(ring.Data, destination + first, room - first, length - first);
        }
        return length;
    }

    /// <summary>
    /// Stores the offset of each record of a copy made by <see cref="CopyIntactRecords"/> (newest first) in
    /// <paramref name="offsets"/> (room for <c>length / 8 + 1</c>). Returns the number of records.
    /// </summary>
    internal static int IndexRecords(byte* snapshot, int length, int* offsets)
    {
        var count = 0;
        for (var offset = 0; offset < length; offset += (int)RecordSize(snapshot + offset))
        {
            offsets[count++] = offset;
        }
        return count;
    }
}
