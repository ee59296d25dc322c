using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// <c>struct msghdr</c> (sendmsg, recvmsg) as strace prints it, from the BPF side's capture: for recvmsg msg_namelen at entry
/// (u32), then the 56-byte structure, u16 n and n bytes of msg_name, then the iovecs as a nested capture (header and data).
/// </summary>
/// <remarks>Control messages are shown as msg_control's address (strace decodes them; they are not captured).</remarks>
internal static class MsghdrText
{
    private const int Size = 56;

    /// <summary>Appends <c>{msg_name=NULL, msg_namelen=0, msg_iov=[...], msg_iovlen=1, msg_controllen=0, msg_flags=0}</c>, or the address.</summary>
    public static void Append(in RenderContext context, int index, bool output, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        int skip = output ? 4 : 0;
        if (raw == 0 || (output && context.Failed)
            || context.FindCapture(index) is not { Status: CaptureStatus.Complete } capture || capture.Data.Length < skip + Size + 2)
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        uint namelenIn = output ? BinaryPrimitives.ReadUInt32LittleEndian(data) : 0;
        var header = data.Slice(skip, Size);
        ulong name = BinaryPrimitives.ReadUInt64LittleEndian(header);
        uint namelen = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        ulong iovlen = BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
        ulong control = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
        ulong controllen = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(header[48..]);
        var rest = data[(skip + Size)..];
        int n = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(rest), rest.Length - 2);
        var nameBytes = rest.Slice(2, n);
        rest = rest[(2 + n)..];

        destination.Append("{msg_name=");
        if (name == 0)
        {
            destination.Append("NULL");
        }
        else if (namelen > 0 && !nameBytes.IsEmpty)
        {
            StraceText.AppendSockaddr(destination, nameBytes, context.StringLimit);
        }
        else
        {
            StraceText.AppendHex(destination, name);
        }
        destination.Append(", msg_namelen=");
        if (output && namelenIn != namelen)
        {
            destination.Append(namelenIn).Append(" => ");
        }
        destination.Append(namelen).Append(", msg_iov=");
        if (rest.Length >= 4 && rest[1] != (byte)CaptureStatus.Unreadable)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]), rest.Length - 4);
            IovecText.AppendEntries(destination, rest.Slice(4, length), iovlen, output ? context.Record.ReturnValue!.Value : -1, context.StringLimit);
        }
        else
        {
            StraceText.AppendPointer(destination, BinaryPrimitives.ReadUInt64LittleEndian(header[16..]));
        }
        destination.Append(", msg_iovlen=").Append(iovlen);
        if (controllen > 0)
        {
            destination.Append(", msg_control=");
            StraceText.AppendPointer(destination, control);
        }
        destination.Append(", msg_controllen=").Append(controllen).Append(", msg_flags=");
        Constants.MessageFlags.AppendFlags(destination, flags);
        destination.Append('}');
    }
}
