using System.Runtime.InteropServices;

namespace Gadget.Agent.Interop;

/// <summary>The few libc calls .NET does not wrap: the process umask, chown, and statx (file type, mode, owner, inode).</summary>
internal static unsafe partial class Libc
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint StatxBasicStats = 0x7ff;
    public const ushort FileTypeMask = 0xF000;
    public const ushort SocketType = 0xC000;

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Chown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "chmod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Chmod(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxNative(int directory, string path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>lstat through statx (its layout is the same on every architecture); null when the path does not exist.</summary>
    /// <exception cref="IOException">statx failed otherwise.</exception>
    public static FileStatus? Stat(string path)
    {
        StatxBuffer buffer;
        if (StatxNative(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, &buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == 2)
            {
                return null;
            }
            throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return new FileStatus(buffer.Mode, buffer.Uid, buffer.Gid, buffer.Inode);
    }

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)]
        public uint Uid;

        [FieldOffset(24)]
        public uint Gid;

        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;
    }
}
