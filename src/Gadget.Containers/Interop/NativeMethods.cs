using System.Runtime.InteropServices;

namespace Gadget.Containers.Interop;

/// <summary>The few libc and libbpf calls Gadget.Containers needs directly.</summary>
internal static unsafe partial class NativeMethods
{
    private const string LibC = "libc";
    internal const int AtFdCwd = -100;
    internal const uint StatxIno = 0x100;

    [LibraryImport(LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The inode number of <paramref name="path"/>, or 0 if it does not exist.</summary>
    internal static ulong InodeOf(string path)
    {
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, 0, StatxIno, buffer) != 0)
        {
            return 0;
        }
        return *(ulong*)(buffer + 32); // struct statx: mask, blksize, attributes, nlink, uid, gid, mode, spare, ino
    }
}
