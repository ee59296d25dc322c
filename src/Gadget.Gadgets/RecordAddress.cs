using System.Net;

namespace Gadget.Gadgets;

/// <summary>The IP addresses of BPF records.</summary>
internal static class RecordAddress
{
    /// <summary>An address as the BPF side stores it: IPv4 in the first 4 bytes, IPv6 in all 16, network order.</summary>
    public static IPAddress Decode(ushort family, ReadOnlySpan<byte> bytes) =>
        family == LinuxAddressFamily.Inet6 ? new IPAddress(bytes[..16]) : new IPAddress(bytes[..4]);
}
