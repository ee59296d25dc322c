using System.Buffers.Binary;

namespace Gadget.Traceloop;

/// <summary>The layout of the records bpf/traceloop.bpf.c writes (its <c>struct record_header</c>; a test checks the offsets
/// against the object's BTF).</summary>
/// <remarks>
/// A record is a header (<see cref="HeaderSize"/> bytes), for an enter or a whole syscall the body (<see cref="EnterBodySize"/>
/// bytes: the six arguments, the command, the sequence number in its CPU's ring, the exit time), then
/// <see cref="CaptureCount"/> captures, each a <see cref="CaptureHeaderSize"/>-byte header (u8 argument index, u8
/// <see cref="CaptureStatus"/>, u16 length) and its bytes.
/// Most syscalls are one record, written at their exit (<see cref="KindSyscall"/>): the enter's part (inputs), then the
/// exit's (outputs, and the inputs that were unreadable at entry and could be read at exit: an index seen again replaces
/// the earlier capture). A syscall whose exit came on another CPU, or after another syscall entered on its CPU, is an
/// enter record and an exit record (an argument index appears at most once in each), paired by thread in user space.
/// The header's last field is the return value in an exit or a syscall, the kernel's wait status in a process exit (a
/// header alone), 0 in an enter. The sequence number counts the records that start a syscall (enter, syscall) written to
/// that CPU's ring before this one.
/// </remarks>
internal static class TraceloopRecordLayout
{
    internal const int HeaderSize = 32;
    internal const int EnterBodySize = 6 * 8 + CommandLength + 8 + 8;
    internal const int CommandLength = 16;
    internal const int CaptureHeaderSize = 4;
    internal const byte KindEnter = 1;
    internal const byte KindExit = 2;
    internal const byte KindProcessExit = 3;
    internal const byte KindSyscall = 4;

    /// <summary>Offsets in the body (after the header) of an enter or syscall record (checked against <c>struct enter_body</c>).</summary>
    internal const int ArgumentsOffset = 0, CommandOffset = 48, SequenceOffset = 64, ExitTimestampOffset = 72;

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

    /// <summary>An enter's or a syscall's sequence number in its CPU's ring: the number of such records written to that ring before it.</summary>
    internal static ulong Sequence(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadUInt64LittleEndian(r[(HeaderSize + SequenceOffset)..]);

    /// <summary>When a syscall record's syscall returned (boot-time ns).</summary>
    internal static ulong ExitTimestamp(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadUInt64LittleEndian(r[(HeaderSize + ExitTimestampOffset)..]);

    /// <summary>Whether the record holds an enter's part: the arguments, the command and the input captures.</summary>
    internal static bool HasBody(byte kind) => kind is KindEnter or KindSyscall;

    /// <summary>A process exit's wait status: <c>(code &lt;&lt; 8) | signal</c>, 0x80 when it dumped core.</summary>
    internal static int WaitStatus(ReadOnlySpan<byte> r) => BinaryPrimitives.ReadInt32LittleEndian(r[ValueOffset..]);

    internal static ulong Argument(ReadOnlySpan<byte> r, int index) => BinaryPrimitives.ReadUInt64LittleEndian(r[(HeaderSize + 8 * index)..]);

    internal static ReadOnlySpan<byte> Command(ReadOnlySpan<byte> r)
    {
        var comm = r.Slice(HeaderSize + CommandOffset, CommandLength);
        var end = comm.IndexOf((byte)0);
        return end < 0 ? comm : comm[..end];
    }

    /// <summary>Where the captures start.</summary>
    internal static int CapturesOffset(ReadOnlySpan<byte> r) => HasBody(Kind(r)) ? HeaderSize + EnterBodySize : HeaderSize;

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
        if (size > r.Length || (kind != KindEnter && kind != KindExit && kind != KindSyscall) || size < CapturesOffset(r))
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
