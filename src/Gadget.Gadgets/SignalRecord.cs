using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct signal_event</c> of bpf/sigsnoop.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SignalRecord
{
    public ulong Timestamp;
    public ulong SenderCgroupId;
    public ulong TargetCgroupId;
    public ProcessRecord Sender;
    public uint TargetPid;
    public uint TargetTid;
    public int Signal;
    public int Result;
    public int Group;
    public uint Reserved;
    public Comm TargetComm;
}
