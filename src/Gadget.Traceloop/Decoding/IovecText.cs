using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// An iovec array as strace prints it: <c>[{iov_base="ab", iov_len=2}, {iov_base="cd\n", iov_len=3}]</c>, from the BPF side's
/// capture (per entry: u64 iov_len, u16 n, then the first n bytes of the buffer that hold data, bpf/traceloop_captures.h).
/// </summary>
internal static class IovecText
{
    /// <summary>Bytes of each buffer the BPF side captures (<c>MAX_IOV_DATA</c>).</summary>
    public const int DataLimit = 64;

    /// <summary>Appends argument <paramref name="index"/>'s iovecs (count in argument <paramref name="countIndex"/>); <paramref name="filled"/>
    /// is how many bytes the buffers hold in order (readv's return value), or -1 for all of them (writev).</summary>
    public static void Append(in RenderContext context, int index, int countIndex, long filled, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        if (raw == 0 || context.FindCapture(index) is not { Status: not CaptureStatus.Unreadable } capture)
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        AppendEntries(destination, capture.Data.Span, context.Argument(countIndex), filled, context.StringLimit);
    }

    /// <summary>Appends the iovecs of a capture's data (<paramref name="count"/> in the array, the first ones captured).</summary>
    public static void AppendEntries(StringBuilder destination, ReadOnlySpan<byte> data, ulong count, long filled, int stringLimit)
    {
        ulong remaining = filled < 0 ? ulong.MaxValue : (ulong)filled;
        destination.Append('[');
        ulong printed = 0;
        // strace prints at most -s elements of an array, then "...".
        while (data.Length >= 10 && printed < count && printed < (ulong)Math.Max(stringLimit, 0))
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(data);
            int n = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(data[8..]), data.Length - 10);
            var bytes = data.Slice(10, n);
            data = data[(10 + n)..];
            ulong held = Math.Min(length, remaining);
            remaining -= held;
            if (printed++ > 0)
            {
                destination.Append(", ");
            }
            destination.Append("{iov_base=");
            bool cut = held > (ulong)bytes.Length;
            if (bytes.Length > stringLimit)
            {
                bytes = bytes[..stringLimit];
                cut = true;
            }
            StraceText.AppendQuoted(destination, bytes, cut);
            destination.Append(", iov_len=").Append(length).Append('}');
        }
        if (printed < count)
        {
            destination.Append(printed > 0 ? ", ..." : "...");
        }
        destination.Append(']');
    }
}
