using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>
/// epoll and eventfd. <c>struct epoll_event</c> differs between x86-64 (packed, 12 bytes) and arm64 (16 bytes): these
/// calls take raw buffers, read and written through <see cref="EpollEvents"/>.
/// </summary>
internal static unsafe partial class Libc
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const uint EPOLLIN = 0x001;
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    /// <param name="epfd">The epoll descriptor.</param>
    /// <param name="op">EPOLL_CTL_ADD...</param>
    /// <param name="fd">The descriptor to add.</param>
    /// <param name="ev">One event written by <see cref="EpollEvents.Write"/>.</param>
    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    /// <param name="epfd">The epoll descriptor.</param>
    /// <param name="events">Room for <paramref name="maxEvents"/> events (<see cref="EpollEvents.MaxSize"/> bytes each is enough on every architecture).</param>
    /// <param name="maxEvents">How many events fit.</param>
    /// <param name="timeout">Milliseconds, -1 for ever.</param>
    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);
}
