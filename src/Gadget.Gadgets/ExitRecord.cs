using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct exit_event</c> of bpf/exitsnoop.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ExitRecord
{
    public ulong Timestamp;
    public ulong CgroupId;
    public ulong LifetimeNs;
    public ProcessRecord Process;
    public uint ExitStatus;
    public uint Reserved;
}
