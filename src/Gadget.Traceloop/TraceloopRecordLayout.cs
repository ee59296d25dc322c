using System.Buffers.Binary;

namespace Gadget.Traceloop;

/// <summary>The layout of the records bpf/traceloop.bpf.c writes (its <c>struct record_header</c>; a test checks the offsets
/// against the object's BTF).</summary>
/// <remarks>
/// A record is a header (<see cref="HeaderSize"/> bytes), for an enter the six arguments and the command
/// (<see cref="EnterBodySize"/> bytes), then <see cref="CaptureCount"/> captures, each a <see cref="CaptureHeaderSize"/>-byte
/// header (u8 argument index, u8 <see cref="CaptureStatus"/>, u16 length) and its bytes. An enter carries the input captures;
/// an exit carries the output captures and the inputs that were unreadable at entry and could be read at exit (same
/// argument index: they replace the enter's capture). An argument index appears at most once per record.
/// The header's last field is the return value in an exit, the enter's sequence number in its CPU's ring (how many enters
/// were written to that ring before it) in an enter, and the kernel's wait status in a process exit (a header alone).
/// </remarks>
internal static class TraceloopRecordLayout
{
    internal const int HeaderSize = 32;
    internal const int EnterBodySize = 6 * 8 + CommandLength;
    internal const int CommandLength = 16;
    internal const int CaptureHeaderSize = 4;
    internal const byte KindEnter = 1;
    internal const byte KindExit = 2;
    internal const byte KindProcessExit = 3;

    /// <summary>Offsets of the header's fields (checked against <c>struct record_header</c> by a test).</summary>
    internal const int TimestampOffset = 0, ProcessIdOffset = 8, ThreadIdOffset = 12, NumberOffset = 16, SizeOffset = 20,
        KindOffset = 22, CaptureCountOffset = 23, ValueOffset = 24;

    /// <summary>The largest record the BPF program can write (its scratch buffer).</summary>
    internal const int MaxRecordSize = 16384;

    internal static ulong Timestamp(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadUInt64LittleEndian(r);

    internal static int ProcessId(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadInt32LittleEndian(r[ProcessIdOffset..]);

    internal static int ThreadId(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadInt32LittleEndian(r[ThreadIdOffset..]);

    internal static int Number(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadInt32LittleEndian(r[NumberOffset..]);

    internal static int Size(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadUInt16LittleEndian(r[SizeOffset..]);

    internal static byte Kind(ReadOnlySpan<byte> r) => r[KindOffset];

    internal static int CaptureCount(ReadOnlySpan<byte> r) => r[CaptureCountOffset];

    internal static long ReturnValue(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadInt64LittleEndian(r[ValueOffset..]);

    /// <summary>An enter's sequence number in its CPU's ring: the number of enters written to that ring before it.</summary>
    internal static ulong Sequence(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadUInt64LittleEndian(r[ValueOffset..]);

    /// <summary>A process exit's wait status: <c>(code &lt;&lt; 8) | signal</c>, 0x80 when it dumped core.</summary>
    internal static int WaitStatus(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadInt32LittleEndian(r[ValueOffset..]);

    internal static ulong Argument(ReadOnlySpan<byte> r, int index) => BinaryPrimitives.ReadUInt64LittleEndian(r[(HeaderSize + 8 * index)..]);

    internal static ReadOnlySpan<byte> Command(ReadOnlySpan<byte> r)
    {
        var comm = r.Slice(HeaderSize + 48, CommandLength);
        var end = comm.IndexOf((byte)0);
        return end < 0 ? comm : comm[..end];
    }

    /// <summary>Where the captures start.</summary>
    internal static int CapturesOffset(ReadOnlySpan<byte> r) => Kind(r) == KindEnter ? HeaderSize + EnterBodySize : HeaderSize;

    /// <summary>Whether <paramref name="r"/> is a complete, self-consistent record (the perf ring pads records to 8 bytes).</summary>
    internal static bool IsValid(ReadOnlySpan<byte> r)
    {
        if (r.Length < HeaderSize)
        {
            return false;
        }
        var kind = Kind(r);
        var size = Size(r);
        if (kind == KindProcessExit)
        {
            return size == HeaderSize && CaptureCount(r) == 0;
        }
        if (size > r.Length || (kind != KindEnter && kind != KindExit) || size < CapturesOffset(r))
        {
            return false;
        }
        // The captures must exactly fill the record.
        var offset = CapturesOffset(r);
        for (var i = 0; i < CaptureCount(r); i++)
        {
            if (offset + CaptureHeaderSize > size)
            {
                return false;
            }
            offset += CaptureHeaderSize + BinaryPrimitives.ReadUInt16LittleEndian(r[(offset + 2)..]);
        }
        return offset == size;
    }

    /// <summary>The total number of captured data bytes in a valid record.</summary>
    internal static int CapturedBytes(ReadOnlySpan<byte> r) => Size(r) - CapturesOffset(r) - CaptureHeaderSize * CaptureCount(r);
}
