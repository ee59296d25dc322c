using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Tests;

/// <summary>Raw traceloop records laid out as bpf/traceloop.bpf.c writes them (TraceloopRecordLayout), for the tests of
/// what reads them.</summary>
internal static class RawRecords
{
    internal static byte[] WithSequence(byte[] enter, ulong sequence)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(enter.AsSpan(TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.SequenceOffset), sequence);
        return enter;
    }

    internal static byte[] Record(byte kind, int tid, int nr, ulong ts, long ret, params (byte Index, CaptureStatus Status, byte[] Data)[] captures)
    {
        var at = TraceloopRecordLayout.HasBody(kind) ? TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.EnterBodySize : TraceloopRecordLayout.HeaderSize;
        var size = at + captures.Sum(c => 4 + c.Data.Length);
        var r = Header(tid, nr, ts, size, kind, captures.Length, ret);
        foreach (var (index, status, data) in captures)
        {
            r[at] = index;
            r[at + 1] = (byte)status;
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(at + 2), (ushort)data.Length);
            data.CopyTo(r, at + 4);
            at += 4 + data.Length;
        }
        return r;
    }

    internal static byte[] Enter(int tid, int nr, ulong ts, string? path)
    {
        var captured = path is null ? [] : Encoding.ASCII.GetBytes(path);
        var size = TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.EnterBodySize + (path is null ? 0 : 4 + captured.Length);
        var r = Header(tid, nr, ts, size, TraceloopRecordLayout.KindEnter, path is null ? 0 : 1, 0);
        Encoding.ASCII.GetBytes("test").CopyTo(r, TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.CommandOffset);
        if (path is not null)
        {
            var at = TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.EnterBodySize;
            r[at] = 1;
            r[at + 1] = (byte)CaptureStatus.Complete;
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(at + 2), (ushort)captured.Length);
            captured.CopyTo(r, at + 4);
        }
        return r;
    }

    /// <summary>A whole syscall as the BPF side writes it at exit: the enter's part (header time: entry) and the exit's.</summary>
    internal static byte[] Syscall(int tid, int nr, ulong ts, ulong exitTs, long ret, params (byte Index, CaptureStatus Status, byte[] Data)[] captures)
    {
        var r = Record(TraceloopRecordLayout.KindSyscall, tid, nr, ts, ret, captures);
        Encoding.ASCII.GetBytes("test").CopyTo(r, TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.CommandOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(r.AsSpan(TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.ExitTimestampOffset), exitTs);
        return r;
    }

    internal static byte[] Exit(int tid, int nr, ulong ts, long ret) =>
        Header(tid, nr, ts, TraceloopRecordLayout.HeaderSize, TraceloopRecordLayout.KindExit, 0, ret);

    internal static byte[] Header(int tid, int nr, ulong ts, int size, byte kind, int captures, long ret)
    {
        // The perf ring pads to 8 bytes: the span the reader gives is longer than the record.
        var r = new byte[(size + 4 + 7) / 8 * 8 - 4];
        BinaryPrimitives.WriteUInt64LittleEndian(r, ts);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(8), 100);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(12), tid);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(16), nr);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(20), (ushort)size);
        r[22] = kind;
        r[23] = (byte)captures;
        BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(24), ret);
        return r;
    }
}
