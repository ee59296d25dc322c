using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct tcpdrop_event</c> of bpf/tcpdrop.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TcpDropRecord
{
    public const int Size = 64;

    public ulong TimestampNs;
    public ulong CgroupId;
    public uint NetNamespace;
    public uint Reason;
    public ushort Family;
    public ushort SourcePort;
    public ushort DestinationPort;
    public byte TcpFlags;
    public byte State;
    public fixed byte SourceAddress[16];
    public fixed byte DestinationAddress[16];
}
