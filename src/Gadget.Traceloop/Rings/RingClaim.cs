using System.Runtime.InteropServices;

namespace Gadget.Traceloop.Rings;

/// <summary>A cgroup's claim of a ring slot (<c>struct ring_claim</c> in bpf/traceloop_rings.h): the first claim wins.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RingClaim
{
    /// <summary>The slot.</summary>
    public uint Slot;

    /// <summary>Unused (alignment).</summary>
    public uint Reserved;

    /// <summary>When recording started (boot-time ns).</summary>
    public ulong Timestamp;
}
