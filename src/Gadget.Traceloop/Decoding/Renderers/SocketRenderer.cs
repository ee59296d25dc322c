using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Sockets: address families, socket types and protocols, MSG_* flags (socket addresses are a shared format).</summary>
internal sealed class SocketRenderer : SyscallRenderer
{
    public static SocketRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("socket", "family socktype sockproto"), ("connect", "fd sockaddr:2 int"), ("bind", "fd sockaddr:2 int"), ("listen", "fd int"),
        ("sendto", "fd bufin:2 ulong msgflags sockaddr:5 int"), ("recvfrom", "fd bufout ulong msgflags ptr ptr"),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.AddressFamily or ArgumentFormat.SocketType
        or ArgumentFormat.SocketProtocol or ArgumentFormat.MessageFlags || base.Renders(format);

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
                else
                {
                    destination.Append((int)raw);
                }
                break;
            case ArgumentFormat.MessageFlags:
                Constants.MessageFlags.AppendFlags(destination, (uint)raw);
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }
}
