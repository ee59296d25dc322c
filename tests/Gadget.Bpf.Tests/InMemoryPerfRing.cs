using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf.Tests;

/// <summary>
/// A perf ring in plain memory: a metadata page (<c>data_head</c>, <c>data_tail</c>) and a data area mapped once, written
/// forward (a normal ring) or backward (<c>write_backward</c>: data_head moves down) the way the kernel writes
/// <c>PERF_RECORD_SAMPLE</c> (raw) and <c>PERF_RECORD_LOST</c> records.
/// </summary>
internal sealed unsafe class InMemoryPerfRing : IDisposable
{
    private const int MetadataSize = 4096;
    private readonly byte* _metadata;
    private readonly byte* _data;

    internal InMemoryPerfRing(int size)
    {
        Size = size;
        _metadata = (byte*)NativeMemory.AllocZeroed(MetadataSize);
        _data = (byte*)NativeMemory.AllocZeroed((nuint)size);
    }

    internal int Size { get; }

    internal PerfRingMemory Memory => new(_metadata, _data, (ulong)Size);

    internal ulong Head
    {
        get => *(ulong*)(_metadata + 1024);
        set => *(ulong*)(_metadata + 1024) = value;
    }

    internal ulong Tail
    {
        get => *(ulong*)(_metadata + 1032);
        set => *(ulong*)(_metadata + 1032) = value;
    }

    /// <summary>A sample record: header (type 9), u32 raw size, the data padded so that size + data fill 8-byte words.</summary>
    internal static byte[] Sample(ReadOnlySpan<byte> data)
    {
        var raw = ((data.Length + 4 + 7) & ~7) - 4;
        var record = new byte[8 + 4 + raw];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 9);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), (ushort)record.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)raw);
        data.CopyTo(record.AsSpan(12));
        return record;
    }

    /// <summary>A loss report: header (type 2), u64 id, u64 lost.</summary>
    internal static byte[] Lost(ulong count)
    {
        var record = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), 24);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(16), count);
        return record;
    }

    /// <summary>A normal ring: writes the record at data_head and moves data_head up past it.</summary>
    internal void WriteForward(byte[] record)
    {
        WriteAt(Head, record);
        Head += (ulong)record.Length;
    }

    /// <summary>An overwritable ring: moves data_head down by the record's size and writes the record there.</summary>
    internal void WriteBackward(byte[] record)
    {
        Head -= (ulong)record.Length;
        WriteAt(Head, record);
    }

    /// <summary>Overwrites the size field of the record header at <paramref name="position"/>.</summary>
    internal void SetRecordSize(ulong position, ushort size)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, size);
        WriteAt(position + 6, bytes);
    }

    public void Dispose()
    {
        NativeMemory.Free(_metadata);
        NativeMemory.Free(_data);
    }

    private void WriteAt(ulong position, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            _data[(int)((position + (ulong)i) & (ulong)(Size - 1))] = bytes[i];
        }
    }
}
