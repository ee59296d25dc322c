using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct socket_entry</c> of bpf/snapshot_socket.bpf.c (one per socket, written by the iterators).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketEntryRecord
{
    public const int Size = 72;

    public ulong CgroupId;
    public ulong Inode;
    public uint NetNamespace;
    public uint Uid;
    public ushort Family;
    public ushort Protocol;
    public ushort State;
    public ushort SourcePort;
    public ushort DestinationPort;
    public ushort Reserved;
    public uint Reserved2;
    public fixed byte SourceAddress[16];
    public fixed byte DestinationAddress[16];
}
