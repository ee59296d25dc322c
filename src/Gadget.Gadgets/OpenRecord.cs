using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct open_event</c> of bpf/opensnoop.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct OpenRecord
{
    public ulong Timestamp;
    public ulong CgroupId;
    public ProcessRecord Process;
    public int ReturnValue;
    public int Flags;
    public uint Mode;
    public OpenPath Path;
}
