using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Sockets: address families, socket types and protocols, MSG_* flags, option levels, names and values (socket addresses are a shared format).</summary>
internal sealed class SocketRenderer : SyscallRenderer
{
    public static SocketRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("socket", "family socktype sockproto"), ("connect", "fd sockaddr:2 int"), ("bind", "fd sockaddr:2 int"), ("listen", "fd int"),
        ("sendto", "fd bufin:2 ulong msgflags sockaddr:5 int"), ("recvfrom", "fd bufout ulong msgflags sockaddrout:5 socklen"),
        ("socketpair", "family socktype sockproto pipefds"), ("setsockopt", "fd socklevel sockoptname sockoptval:4 int"),
        ("accept", "fd sockaddrout:2 socklen"), ("accept4", "fd sockaddrout:2 socklen acceptflags"), ("getsockname", "fd sockaddrout:2 socklen"),
        ("getpeername", "fd sockaddrout:2 socklen"), ("sendmsg", "fd msghdrin msgflags"), ("recvmsg", "fd msghdrout msgflags"),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.AddressFamily or ArgumentFormat.SocketType
        or ArgumentFormat.SocketProtocol or ArgumentFormat.MessageFlags or ArgumentFormat.SocketLevel or ArgumentFormat.SocketOptionName
        or ArgumentFormat.SocketOptionValue or ArgumentFormat.SockaddrOut or ArgumentFormat.SocketLength or ArgumentFormat.AcceptFlags
        or ArgumentFormat.MsghdrIn or ArgumentFormat.MsghdrOut || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.AddressFamily:
                Constants.AddressFamilies.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.SocketType:
                Constants.SocketTypes.AppendValue(destination, (uint)raw & 0xf);
                Constants.SocketTypeFlags.AppendKnownFlags(destination, (uint)raw & ~0xfu, separatorFirst: true);
                break;
            case ArgumentFormat.SocketProtocol:
                ulong family = (uint)context.Argument(0);
                if ((family == 2 || family == 10) && Constants.IpProtocols.Lookup((uint)raw) is { } protocol)
                {
                    destination.Append(protocol);
                }
                else if (family == 16)
                {
                    SocketConstants.NetlinkProtocols.AppendValue(destination, (uint)raw);
                }
                else
                {
                    destination.Append((int)raw);
                }
                break;
            case ArgumentFormat.MessageFlags:
                Constants.MessageFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.SocketLevel:
                SocketConstants.Levels.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.SocketOptionName:
                if (SocketConstants.OptionsOf((uint)context.Argument(index - 1)) is { } options)
                {
                    options.AppendValue(destination, (uint)raw);
                }
                else
                {
                    destination.Append((uint)raw);
                }
                break;
            case ArgumentFormat.SocketOptionValue:
                AppendOptionValue(context, index, destination);
                break;
            case ArgumentFormat.SockaddrOut:
                if (raw != 0 && !context.Failed && context.FindCapture(index) is { Status: CaptureStatus.Complete, Data.Length: > 8 } address)
                {
                    var span = address.Data.Span;
                    int length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(span[4..]), (uint)span.Length - 8);
                    StraceText.AppendSockaddr(destination, span.Slice(8, length), context.StringLimit);
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.SocketLength:
                AppendLength(context, index, destination);
                break;
            case ArgumentFormat.AcceptFlags:
                Constants.SocketTypeFlags.AppendKnownFlags(destination, (uint)raw, separatorFirst: false);
                break;
            case ArgumentFormat.MsghdrIn or ArgumentFormat.MsghdrOut:
                MsghdrText.Append(context, index, format == ArgumentFormat.MsghdrOut, destination);
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }

    // The address length: [16] as it was at entry, [128 => 16] when the kernel wrote another (captured with the address).
    private static void AppendLength(in RenderContext context, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        int address = Array.IndexOf(context.Decoder!.LengthArguments, (sbyte)index);
        if (raw == 0 || address < 0 || context.FindCapture(address) is not { Status: CaptureStatus.Complete, Data.Length: >= 4 } capture)
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        var span = capture.Data.Span;
        uint before = BinaryPrimitives.ReadUInt32LittleEndian(span);
        destination.Append('[').Append(before);
        if (!context.Failed && span.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(span[4..]) is var after && after != before)
        {
            destination.Append(" => ").Append(after);
        }
        destination.Append(']');
    }

    // An option's value as strace shows the common ones: an int as [1], SO_LINGER's structure; otherwise the address.
    private static void AppendOptionValue(in RenderContext context, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        long length = (int)context.Argument(context.Decoder!.LengthArguments[index]);
        if (raw == 0 || length < 4 || context.FindCapture(index) is not { Status: not CaptureStatus.Unreadable } capture || capture.Data.Length < 4)
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        bool linger = (uint)context.Argument(index - 2) == 1 && (uint)context.Argument(index - 1) == 13;
        if (linger && length >= 8 && data.Length >= 8)
        {
            destination.Append("{l_onoff=").Append(BinaryPrimitives.ReadInt32LittleEndian(data))
                .Append(", l_linger=").Append(BinaryPrimitives.ReadInt32LittleEndian(data[4..])).Append('}');
            return;
        }
        destination.Append('[').Append(BinaryPrimitives.ReadInt32LittleEndian(data)).Append(']');
    }
}
