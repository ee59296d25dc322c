using System.Runtime.InteropServices;

namespace Gadget.Traceloop.Rings;

/// <summary>One CPU's counters of one ring slot (<c>struct ring_counters</c> in bpf/traceloop_rings.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RingCounters
{
    /// <summary>Records that start a syscall (enter, whole syscall) written to this CPU's ring since the slot was filled (the next one's sequence number).</summary>
    public ulong Enters;

    /// <summary>Records the kernel could not write (the ring was paused while it was read).</summary>
    public ulong Failed;
}
