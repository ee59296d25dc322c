using System.Runtime.InteropServices;

namespace Gadget.Traceloop.Rings;

/// <summary>What the recorder's <c>cgroups</c> map holds for a cgroup (<c>struct cgroup_state</c> in bpf/traceloop_rings.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CgroupState
{
    /// <summary>The slot of its ring, or <see cref="RingPool.NoSlot"/> for a new cgroup that has none yet.</summary>
    public uint Slot;

    /// <summary>Unused (alignment).</summary>
    public uint Reserved;

    /// <summary>Syscalls it made while no spare ring was left.</summary>
    public ulong Missed;
}
