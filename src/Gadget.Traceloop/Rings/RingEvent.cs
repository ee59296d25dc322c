using System.Runtime.InteropServices;

namespace Gadget.Traceloop.Rings;

/// <summary>What bpf/traceloop_rings.h reports on its <c>ring_events</c> ring buffer (<c>struct ring_event</c>; a test checks the layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct RingEvent
{
    /// <summary>The cgroup2 id.</summary>
    public readonly ulong CgroupId;

    /// <summary>When (boot-time nanoseconds).</summary>
    public readonly ulong Timestamp;

    /// <summary>The slot claimed or removed; <see cref="RingPool.NoSlot"/> for an empty pool.</summary>
    public readonly uint Slot;

    /// <summary>What happened.</summary>
    public readonly RingEventKind Kind;
}
