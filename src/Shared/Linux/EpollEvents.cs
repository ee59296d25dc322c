using System.Runtime.CompilerServices;

namespace Gadget.Linux;

/// <summary>Reads and writes <c>struct epoll_event</c> in this architecture's layout (<see cref="LinuxAbi"/>).</summary>
internal static unsafe class EpollEvents
{
    /// <summary>The largest <c>sizeof(struct epoll_event)</c> of the supported architectures: size buffers with it.</summary>
    internal const int MaxSize = 16;

    /// <summary>Writes one event at <paramref name="destination"/> (at least <see cref="MaxSize"/> bytes).</summary>
    internal static void Write(byte* destination, uint events, ulong data)
    {
        var abi = LinuxAbi.Current;
        new Span<byte>(destination, abi.EpollEventSize).Clear();
        Unsafe.WriteUnaligned(destination, events);
        Unsafe.WriteUnaligned(destination + abi.EpollEventDataOffset, data);
    }

    /// <summary>The <c>data</c> of event <paramref name="index"/> of an array <c>epoll_wait</c> filled.</summary>
    internal static ulong Data(byte* events, int index)
    {
        var abi = LinuxAbi.Current;
        return Unsafe.ReadUnaligned<ulong>(events + (index * abi.EpollEventSize) + abi.EpollEventDataOffset);
    }
}
