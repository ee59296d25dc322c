using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Gadget.Gadgets;

/// <summary>The record tcpconnect.bpf.c and tcpaccept.bpf.c submit (<c>struct tcp_event</c> in bpf/tcp_gadgets.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TcpEventRecord
{
    public ulong TimestampNs;
    public ulong CgroupId;
    public ulong LatencyNs;
    public ProcessRecord Process;
    public uint NetNamespace;
    public int Error;
    public ushort Family;
    public ushort SourcePort;
    public ushort DestinationPort;
    public ushort State;
    public fixed byte SourceAddress[16];
    public fixed byte DestinationAddress[16];

    public const int Size = 128;

    public static ref readonly TcpEventRecord From(ReadOnlySpan<byte> record)
    {
        if (record.Length < Size)
        {
            throw new InvalidDataException($"A TCP event record has {record.Length} bytes, expected {Size}.");
        }
        return ref MemoryMarshal.AsRef<TcpEventRecord>(record);
    }

    public readonly IPAddress Source
    {
        get
        {
            fixed (byte* address = SourceAddress)
            {
                return Address(Family, new ReadOnlySpan<byte>(address, 16));
            }
        }
    }

    public readonly IPAddress Destination
    {
        get
        {
            fixed (byte* address = DestinationAddress)
            {
                return Address(Family, new ReadOnlySpan<byte>(address, 16));
            }
        }
    }

    /// <summary>An address as the BPF side stores it: IPv4 in the first 4 bytes, IPv6 in all 16, network order.</summary>
    internal static IPAddress Address(ushort family, ReadOnlySpan<byte> bytes) =>
        family == LinuxAddressFamily.Inet6 ? new IPAddress(bytes[..16]) : new IPAddress(bytes[..4]);

    /// <summary>A NUL-terminated task comm.</summary>
    internal static string TaskComm(ReadOnlySpan<byte> comm)
    {
        var end = comm.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? comm : comm[..end]);
    }
}
