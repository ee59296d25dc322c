using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary><c>struct pollfd</c> (the same on every Linux architecture).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollDescriptor
{
    /// <summary><c>fd</c>.</summary>
    public int Descriptor;

    /// <summary><c>events</c>: what to wait for.</summary>
    public short Events;

    /// <summary><c>revents</c>: what happened.</summary>
    public short ReturnedEvents;
}
