using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary><c>struct oom_event</c> of bpf/oomkill.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct OomRecord
{
    public ulong Timestamp;
    public ulong VictimCgroupId;
    public ulong TriggerCgroupId;
    public ulong TotalVmPages;
    public long AnonRssPages;
    public long FileRssPages;
    public long ShmemRssPages;
    public ProcessRecord Trigger;
    public uint VictimPid;
    public uint VictimUid;
    public Comm VictimComm;
    public MemoryCgroupName MemoryCgroup;
}

/// <summary>The 128-byte memory cgroup name buffer.</summary>
[InlineArray(128)]
internal struct MemoryCgroupName
{
    private byte _first;

    /// <summary>The name, up to its NUL.</summary>
    public override readonly string ToString() => RecordText.Decode(this);
}
