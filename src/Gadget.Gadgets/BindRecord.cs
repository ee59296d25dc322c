using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct bind_event</c> of bpf/bindsnoop.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BindRecord
{
    public ulong Timestamp;
    public ulong CgroupId;
    public ProcessRecord Process;
    public int ReturnValue;
    public int FileDescriptor;
    public uint AddressLength;
    public uint ScopeId;
    public ushort Family;
    public ushort Port;
    public ushort BoundPort;
    public ushort SocketType;
    public ushort Protocol;
    public ushort Reserved;
    public uint Reserved2;
    public fixed byte Address[16];
}
