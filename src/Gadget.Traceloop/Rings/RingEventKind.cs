namespace Gadget.Traceloop.Rings;

/// <summary>The kinds of <see cref="Bpf.RingEvent"/> (its <c>Kind</c>: <c>RING_EVENT_*</c> in bpf/traceloop_rings.h, macros, not in BTF).</summary>
internal enum RingEventKind : uint
{
    /// <summary>A new cgroup's first syscall claimed a spare ring.</summary>
    Claimed = 1,

    /// <summary>A new cgroup made a syscall and no spare ring was left: its syscalls are counted, not recorded, until it gets one.</summary>
    PoolEmpty = 2,

    /// <summary>A cgroup with a ring was removed (rmdir).</summary>
    CgroupRemoved = 3,

    /// <summary>A new cgroup could not be noted: the table of cgroups is full (it gets no ring at its first syscall).</summary>
    CgroupsFull = 4,
}
