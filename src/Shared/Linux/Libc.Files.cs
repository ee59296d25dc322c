using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>File metadata (statx: one layout on every architecture, unlike <c>struct stat</c>), ownership, mounts.</summary>
internal static unsafe partial class Libc
{
    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;

    /// <summary>statx mask: the inode number.</summary>
    internal const uint STATX_INO = 0x100;

    /// <summary>statx mask: everything <c>stat</c> returns.</summary>
    internal const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>The file type bits of a mode.</summary>
    internal const ushort S_IFMT = 0xF000;

    /// <summary>The file type of a regular file.</summary>
    internal const ushort S_IFREG = 0x8000;

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

    [LibraryImport(Library, EntryPoint = "umask")]
    internal static partial uint umask(uint mask);

    [LibraryImport(Library, EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int chown(string path, uint owner, uint group);

    [LibraryImport(Library, EntryPoint = "chmod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int chmod(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string source, string target, string fileSystemType, nuint flags, nint data);
}
