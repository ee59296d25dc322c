using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>libc calls used by <see cref="RingBufferReader"/> beyond those in <c>Libc.cs</c>.</summary>
internal static partial class Libc
{
    /// <summary><c>fcntl</c> command duplicating a descriptor with close-on-exec set.</summary>
    internal const int F_DUPFD_CLOEXEC = 1030;

    /// <summary><c>fcntl(fd, cmd, int)</c>: here only to duplicate a descriptor (<see cref="F_DUPFD_CLOEXEC"/>).</summary>
    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int fcntl(int fd, int command, int argument);
}
