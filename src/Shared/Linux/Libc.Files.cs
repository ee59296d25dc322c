using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>File metadata (statx: one layout on every architecture, unlike <c>struct stat</c>), ownership, mounts.</summary>
internal static unsafe partial class Libc
{
    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;

    /// <summary>statx/fstatat flag: an empty path names the descriptor itself.</summary>
    internal const int AT_EMPTY_PATH = 0x1000;

    /// <summary>open flags: read only; do not block (a FIFO without a writer opens at once); close on exec.</summary>
    internal const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

    /// <summary>open flag: a descriptor that only locates the file (no driver's open, no FIFO wait, no read).</summary>
    internal const int O_PATH = 0x200000;

    /// <summary><c>openat2</c> resolve flags: no /proc magic links; absolute paths and ".." stay under the directory given.</summary>
    internal const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_IN_ROOT = 0x10;

    /// <summary><c>__NR_openat2</c> (a syscall number new syscalls share across architectures; glibc has no wrapper).</summary>
    internal const long SYS_openat2 = 437;

    /// <summary>statx mask: the inode number.</summary>
    internal const uint STATX_INO = 0x100;

    /// <summary>statx mask: everything <c>stat</c> returns.</summary>
    internal const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>The file type bits of a mode.</summary>
    internal const ushort S_IFMT = 0xF000;

    /// <summary>The file type of a regular file.</summary>
    internal const ushort S_IFREG = 0x8000;

    /// <summary>The file type of a directory.</summary>
    internal const ushort S_IFDIR = 0x4000;

    /// <summary>The file type of a Unix domain socket.</summary>
    internal const ushort S_IFSOCK = 0xC000;

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>statx of <paramref name="path"/> (relative to the working directory); returns 0 or the errno.</summary>
    /// <param name="path">The path.</param>
    /// <param name="flags">0 (follow a final symbolic link) or <see cref="AT_SYMLINK_NOFOLLOW"/>.</param>
    /// <param name="mask">What to ask for (<see cref="STATX_INO"/>, <see cref="STATX_BASIC_STATS"/>).</param>
    /// <param name="status">What the kernel filled in.</param>
    internal static int Statx(string path, int flags, uint mask, out StatxBuffer status)
    {
        StatxBuffer buffer;
        var result = statx(AT_FDCWD, path, flags, mask, &buffer);
        status = buffer;
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>statx of an open descriptor (<see cref="AT_EMPTY_PATH"/>); returns 0 or the errno.</summary>
    internal static int Statx(SafeHandle descriptor, uint mask, out StatxBuffer status)
    {
        StatxBuffer buffer;
        var added = false;
        descriptor.DangerousAddRef(ref added);
        try
        {
            var result = statx((int)descriptor.DangerousGetHandle(), string.Empty, AT_EMPTY_PATH, mask, &buffer);
            status = buffer;
            return result == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            descriptor.DangerousRelease();
        }
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall(long number, int directory, string path, OpenHow* how, nuint size);

    /// <summary>
    /// <c>openat2(directory, path, {flags, 0, resolve})</c>: a descriptor, or -1 with errno set (ENOSYS before Linux 5.6).
    /// </summary>
    internal static int Openat2(SafeHandle directory, string path, ulong flags, ulong resolve)
    {
        var how = new OpenHow { Flags = flags, Resolve = resolve };
        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            return (int)syscall(SYS_openat2, (int)directory.DangerousGetHandle(), path, &how, (nuint)sizeof(OpenHow));
        }
        finally
        {
            directory.DangerousRelease();
        }
    }

    [LibraryImport(Library, EntryPoint = "umask")]
    internal static partial uint umask(uint mask);

    [LibraryImport(Library, EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int chown(string path, uint owner, uint group);

    [LibraryImport(Library, EntryPoint = "chmod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int chmod(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string source, string target, string fileSystemType, nuint flags, nint data);
}
