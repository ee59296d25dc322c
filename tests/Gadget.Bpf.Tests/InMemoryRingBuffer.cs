using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf.Tests;

/// <summary>
/// A BPF ring buffer in plain memory, laid out as the kernel's (positions, then the data area followed by its mirror, which
/// the kernel gets by mapping the data pages twice), written the way <c>bpf_ringbuf_reserve/submit/discard</c> write it.
/// </summary>
internal sealed unsafe class InMemoryRingBuffer : IDisposable
{
    private readonly ulong* _positions;
    private readonly byte* _data;

    internal InMemoryRingBuffer(int size)
    {
        Size = size;
        _positions = (ulong*)NativeMemory.AllocZeroed(16);
        _data = (byte*)NativeMemory.AllocZeroed((nuint)(2 * size));
    }

    internal int Size { get; }

    internal RingBufferMemory Memory => new(_positions, _positions + 1, _data, (ulong)Size);

    internal ulong Consumer
    {
        get => _positions[0];
        set => _positions[0] = value;
    }

    internal ulong Producer
    {
        get => _positions[1];
        set => _positions[1] = value;
    }

    /// <summary>Starts both positions at <paramref name="position"/> (an empty ring that has already carried records).</summary>
    internal void StartAt(ulong position) => Consumer = Producer = position;

    /// <summary>Reserves a record (busy bit set) and moves the producer past it; returns its position.</summary>
    internal ulong Reserve(ReadOnlySpan<byte> data)
    {
        var position = Producer;
        Span<byte> record = stackalloc byte[8 + ((data.Length + 7) & ~7)];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)data.Length | RingBufferParser.BusyBit);
        data.CopyTo(record[8..]);
        WriteAt(position, record);
        Producer = position + (ulong)record.Length;
        return position;
    }

    /// <summary>Clears the busy bit of the record at <paramref name="position"/>, setting the discard bit when asked.</summary>
    internal void Commit(ulong position, bool discard = false)
    {
        var length = ReadLength(position) & ~RingBufferParser.BusyBit;
        if (discard)
        {
            length |= RingBufferParser.DiscardBit;
        }
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        WriteAt(position, header);
    }

    /// <summary>Writes and submits a record.</summary>
    internal void Submit(ReadOnlySpan<byte> data) => Commit(Reserve(data));

    public void Dispose()
    {
        NativeMemory.Free(_positions);
        NativeMemory.Free(_data);
    }

    private uint ReadLength(ulong position) => *(uint*)(_data + (position & (ulong)(Size - 1)));

    /// <summary>Writes bytes at a position, wrapping around the end, and keeps the mirror (the second mapping) equal.</summary>
    private void WriteAt(ulong position, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var offset = (int)((position + (ulong)i) & (ulong)(Size - 1));
            _data[offset] = bytes[i];
            _data[offset + Size] = bytes[i];
        }
    }
}
