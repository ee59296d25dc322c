using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary>
/// <c>struct gadget_process</c> of bpf/gadget.h (56 bytes): the process an event is about, filled the same way by every
/// gadget. <see cref="ParentComm"/> is the parent process's task name (its thread group leader's, as /proc/PPID/comm), not the thread's own.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ProcessRecord
{
    public const int Size = 56;

    public uint Pid;
    public uint Tid;
    public uint ParentPid;
    public uint Uid;
    public uint Gid;
    public uint Reserved;
    public Comm Comm;
    public Comm ParentComm;
}
