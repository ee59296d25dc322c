using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct tcptop_key</c> of bpf/tcptop.bpf.c (56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TcpTopKey
{
    public ulong CgroupId;
    public uint Pid;
    public uint NetNamespace;
    public ushort Family;
    public ushort SourcePort;
    public ushort DestinationPort;
    public ushort Reserved;
    public fixed byte SourceAddress[16];
    public fixed byte DestinationAddress[16];
}

/// <summary><c>struct tcptop_value</c> of bpf/tcptop.bpf.c (88 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TcpTopValue
{
    public ulong Sent;
    public ulong Received;
    public ulong Sends;
    public ulong Receives;
    public ProcessRecord Process;
}
