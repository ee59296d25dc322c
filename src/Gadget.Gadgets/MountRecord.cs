using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct mount_event</c> of bpf/mountsnoop.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MountRecord
{
    public ulong Timestamp;
    public ulong CgroupId;
    public ProcessRecord Process;
    public int ReturnValue;
    public uint Operation;
    public ulong Flags;
    public MountText Source;
    public MountText Target;
    public MountFileSystemType FileSystemType;
    public MountText Data;
}
