using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>
/// The C library calls Gadget's packages make (<c>LibraryImport</c>, errno kept with <c>SetLastError</c>): descriptors, poll and
/// syscalls here, the rest in <c>Libc.*.cs</c> by concept. Constants carry their C names, and every one of them is checked
/// against the headers of x86-64 and arm64 by LinuxAbiHeaderTests: those that differ between the two live in
/// <see cref="LinuxAbi"/>, not here.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    /// <summary><c>fcntl</c> command duplicating a descriptor with close-on-exec set.</summary>
    internal const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>
    /// poll(2) events always reported, even when not asked for: an error (a pipe whose reader closed it), a hang-up (a
    /// terminal, a pipe's reader), a descriptor that is not open.
    /// </summary>
    internal const short POLLERR = 0x008, POLLHUP = 0x010, POLLNVAL = 0x020;

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint write(int fd, void* buffer, nuint count);

    /// <summary><c>fcntl(fd, cmd, int)</c>: here only to duplicate a descriptor (<see cref="F_DUPFD_CLOEXEC"/>).</summary>
    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int fcntl(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, nint argument);

    /// <summary>A syscall by number (the numbers are per architecture: <see cref="LinuxAbi"/>); here with perf_event_open's arguments.</summary>
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long syscall(long number, void* a1, int a2, int a3, int a4, nuint a5);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    internal static partial int poll(ref PollDescriptor descriptor, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "getpagesize")]
    internal static partial int getpagesize();

    [LibraryImport(Library, EntryPoint = "geteuid")]
    internal static partial uint geteuid();
}
