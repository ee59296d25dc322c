using System.Runtime.InteropServices;

namespace Gadget.Agent.Interop;

/// <summary>What statx says about a path: type and permission bits, owner, group, inode.</summary>
internal readonly record struct FileStatus(ushort Mode, uint Uid, uint Gid, ulong Inode)
{
    /// <summary>Whether the path is a Unix domain socket.</summary>
    public bool IsSocket => (Mode & Libc.S_IFMT) == Libc.S_IFSOCK;

    /// <summary>The permission bits (e.g. 0600).</summary>
    public int Permissions => Mode & 0xFFF;

    /// <summary>lstat through statx; null when the path does not exist.</summary>
    /// <exception cref="IOException">statx failed otherwise.</exception>
    public static FileStatus? Of(string path)
    {
        var errno = Libc.Statx(path, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var status);
        if (errno == LinuxErrno.ENOENT)
        {
            return null;
        }
        if (errno != 0)
        {
            throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return new FileStatus(status.Mode, status.Uid, status.Gid, status.Inode);
    }
}
