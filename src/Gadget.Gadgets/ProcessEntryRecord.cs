using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct process_entry</c> of bpf/snapshot_process.bpf.c (one per task, written by the iterator).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ProcessEntryRecord
{
    public const int Size = 72;

    public ulong CgroupId;
    public ulong StartBoottime;
    public ProcessRecord Process;
}
