using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct tcpretrans_event</c> of bpf/tcpretrans.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TcpRetransRecord
{
    public const int Size = 64;

    public ulong TimestampNs;
    public ulong CgroupId;
    public uint NetNamespace;
    public uint State;
    public ushort Family;
    public ushort SourcePort;
    public ushort DestinationPort;
    public byte TcpFlags;
    public byte Reserved;
    public fixed byte SourceAddress[16];
    public fixed byte DestinationAddress[16];
}
