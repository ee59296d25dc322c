using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Traceloop.Bpf;

namespace Gadget.Traceloop;

/// <summary>The layout of the records bpf/traceloop.bpf.c writes: its <c>struct record_header</c>, <c>struct enter_body</c> and
/// <c>struct capture_header</c>, read through the C# structs generated from the object's BTF (<see cref="RecordHeader"/>,
/// <see cref="EnterBody"/>, <see cref="CaptureHeader"/>; Gadget.Bpf.Generators), not offsets kept by hand.</summary>
/// <remarks>
/// A record is a header (<see cref="HeaderSize"/> bytes), for an enter or a whole syscall the body (<see cref="EnterBodySize"/>
/// bytes: the six arguments, the command, the sequence number in its CPU's ring, the exit time), then
/// <see cref="CaptureCount"/> captures, each a <see cref="CaptureHeaderSize"/>-byte header (u8 argument index, u8
/// <see cref="CaptureStatus"/>, u16 length) and its bytes. A record written to a ring or batch is padded with zeros to a
/// multiple of 8 bytes (its size counts them); the open syscall in the scratch buffer is not.
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
    internal const int HeaderSize = RecordHeader.StructSize;
    internal const int EnterBodySize = EnterBody.Size;
    internal const int CaptureHeaderSize = CaptureHeader.Size;

    // record_header.kind (bpf/traceloop.bpf.c's KIND_ENTER...: macros, not in BTF).
    internal const byte KindEnter = 1;
    internal const byte KindExit = 2;
    internal const byte KindProcessExit = 3;
    internal const byte KindSyscall = 4;

    /// <summary>The bytes of <c>enter_body.comm</c>.</summary>
    internal static int CommandLength => Unsafe.SizeOf<EnterBody.CommArray>();

    /// <summary>Offsets in the body (after the header) of an enter or syscall record (<c>struct enter_body</c>).</summary>
    internal const int ArgumentsOffset = EnterBody.Offsets.Args, CommandOffset = EnterBody.Offsets.Comm,
        SequenceOffset = EnterBody.Offsets.Sequence, ExitTimestampOffset = EnterBody.Offsets.ExitTimestamp;

    /// <summary>Offsets of the header's fields (<c>struct record_header</c>).</summary>
    internal const int TimestampOffset = RecordHeader.Offsets.Timestamp, ProcessIdOffset = RecordHeader.Offsets.Pid,
        ThreadIdOffset = RecordHeader.Offsets.Tid, NumberOffset = RecordHeader.Offsets.Nr, SizeOffset = RecordHeader.Offsets.Size,
        KindOffset = RecordHeader.Offsets.Kind, CaptureCountOffset = RecordHeader.Offsets.CaptureCount, ValueOffset = RecordHeader.Offsets.Value;

    /// <summary>The largest record the BPF program can write (its scratch buffer).</summary>
    internal const int MaxRecordSize = 16384;

    /// <summary>The record's header (a copy: records in a batch are not aligned).</summary>
    internal static RecordHeader Header(ReadOnlySpan<byte> r) => MemoryMarshal.Read<RecordHeader>(r);

    /// <summary>The body of an enter or a syscall record (a copy).</summary>
    internal static EnterBody Body(ReadOnlySpan<byte> r) => MemoryMarshal.Read<EnterBody>(r[HeaderSize..]);

    /// <summary>The header of the capture at <paramref name="offset"/> in the record (a copy).</summary>
    internal static CaptureHeader Capture(ReadOnlySpan<byte> r, int offset) => MemoryMarshal.Read<CaptureHeader>(r[offset..]);

    internal static ulong Timestamp(ReadOnlySpan<byte> r) => Header(r).Timestamp;

    internal static int ProcessId(ReadOnlySpan<byte> r) => (int)Header(r).Pid;

    internal static int ThreadId(ReadOnlySpan<byte> r) => (int)Header(r).Tid;

    internal static int Number(ReadOnlySpan<byte> r) => Header(r).Nr;

    /// <summary>Set in a record's syscall number for a 32-bit syscall (bpf/traceloop.bpf.c, COMPAT_SYSCALL): the rest is in that ABI's numbering.</summary>
    internal const int CompatSyscall = 0x20000000;

    /// <summary>Whether the number (of an enter or a whole syscall) is a 32-bit syscall's (-1, a process exit or rt_sigreturn's exit, is not).</summary>
    internal static bool IsCompat(int number) => number >= 0 && (number & CompatSyscall) != 0;

    /// <summary>The number in its own ABI's numbering (without <see cref="CompatSyscall"/>).</summary>
    internal static int AbiNumber(int number) => number >= 0 ? number & ~CompatSyscall : number;

    internal static int Size(ReadOnlySpan<byte> r) => Header(r).Size;

    internal static byte Kind(ReadOnlySpan<byte> r) => Header(r).Kind;

    internal static int CaptureCount(ReadOnlySpan<byte> r) => Header(r).CaptureCount;

    internal static long ReturnValue(ReadOnlySpan<byte> r) => Header(r).Value;

    /// <summary>An enter's or a syscall's sequence number in its CPU's ring: the number of such records written to that ring before it.</summary>
    internal static ulong Sequence(ReadOnlySpan<byte> r) => Body(r).Sequence;

    /// <summary>When a syscall record's syscall returned (boot-time ns), or 0 when its thread held the CPU from entry to exit
    /// and the kernel read no clock at the exit (<see cref="TraceloopOptions.ExitTimestamps"/>).</summary>
    internal static ulong ExitTimestamp(ReadOnlySpan<byte> r) => Body(r).ExitTimestamp;

    /// <summary>
    /// Where a record stands in its CPU's ring: when it was written. A whole syscall is written at its exit; one without an
    /// exit time held its CPU from entry to exit, so nothing else was written to that CPU's rings in between and its entry
    /// time places it as well.
    /// </summary>
    internal static ulong WrittenAt(ReadOnlySpan<byte> r, byte kind)
    {
        if (kind != KindSyscall)
        {
            return Timestamp(r);
        }
        var exit = ExitTimestamp(r);
        return exit != 0 ? exit : Timestamp(r);
    }

    /// <summary>Whether the record holds an enter's part: the arguments, the command and the input captures.</summary>
    internal static bool HasBody(byte kind) => kind is KindEnter or KindSyscall;

    /// <summary>A process exit's wait status: <c>(code &lt;&lt; 8) | signal</c>, 0x80 when it dumped core.</summary>
    internal static int WaitStatus(ReadOnlySpan<byte> r) => (int)Header(r).Value;

    internal static ulong Argument(ReadOnlySpan<byte> r, int index)
    {
        var body = Body(r);
        return body.Args[index];
    }

    internal static ReadOnlySpan<byte> Command(ReadOnlySpan<byte> r)
    {
        var comm = r.Slice(HeaderSize + CommandOffset, CommandLength);
        var end = comm.IndexOf((byte)0);
        return end < 0 ? comm : comm[..end];
    }

    /// <summary>Where the captures start.</summary>
    internal static int CapturesOffset(ReadOnlySpan<byte> r) => HasBody(Kind(r)) ? HeaderSize + EnterBodySize : HeaderSize;

    /// <summary>Where the capture after the one at <paramref name="offset"/> starts.</summary>
    internal static int NextCapture(ReadOnlySpan<byte> r, int offset) => offset + CaptureHeaderSize + Capture(r, offset).Length;

    /// <summary>Whether <paramref name="r"/> is a complete, self-consistent record (the perf ring pads records to 8 bytes).</summary>
    internal static bool IsValid(ReadOnlySpan<byte> r)
    {
        if (r.Length < HeaderSize)
        {
            return false;
        }
        var header = Header(r);
        var kind = header.Kind;
        var size = header.Size;
        if (kind == KindProcessExit)
        {
            return size == HeaderSize && header.CaptureCount == 0;
        }
        if (size > r.Length || (kind != KindEnter && kind != KindExit && kind != KindSyscall) || size < CapturesOffset(r))
        {
            return false;
        }
        // The captures must fill the record, up to the zeros that round a committed record's size up to 8 bytes.
        var offset = CapturesOffset(r);
        for (var i = 0; i < header.CaptureCount; i++)
        {
            if (offset + CaptureHeaderSize > size)
            {
                return false;
            }
            offset = NextCapture(r, offset);
        }
        return offset <= size && size - offset < 8;
    }

    /// <summary>At most the number of captured data bytes in a valid record (its padding counts too: up to 7 bytes).</summary>
    internal static int CapturedBytes(ReadOnlySpan<byte> r) => Size(r) - CapturesOffset(r) - CaptureHeaderSize * CaptureCount(r);
}
