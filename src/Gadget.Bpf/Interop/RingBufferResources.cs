using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>
/// Everything native a <see cref="RingBufferReader"/> owns: the epoll descriptor (the handle), the wake-up eventfd and
/// the ring mappings. Being a <see cref="SafeHandle"/>, it is released only when the last operation using it (a
/// <c>Poll</c> blocked on another thread, the async waiter thread) has let go of it, so disposing the reader never
/// unmaps memory that a handler is still reading.
/// </summary>
internal sealed class RingBufferResources : SafeHandle
{
    private RingBufferMapping[] _rings = [];

    internal RingBufferResources(int epollFd, int eventFd)
        : base(-1, ownsHandle: true)
    {
        SetHandle(epollFd);
        EventFd = eventFd;
    }

    public override bool IsInvalid => handle < 0;

    internal int EpollFd => (int)handle;

    internal int EventFd { get; }

    /// <summary>The mapped rings; replaced as a whole when a ring is added, so readers can take a snapshot without locks.</summary>
    internal RingBufferMapping[] Rings => Volatile.Read(ref _rings);

    internal void AddRing(RingBufferMapping ring)
    {
        var rings = _rings;
        var grown = new RingBufferMapping[rings.Length + 1];
        rings.CopyTo(grown, 0);
        grown[^1] = ring;
        Volatile.Write(ref _rings, grown);
    }

    protected override bool ReleaseHandle()
    {
        foreach (var ring in _rings)
        {
            ring.Release();
        }
        _rings = [];
        Libc.close(EventFd);
        return Libc.close((int)handle) == 0;
    }
}
