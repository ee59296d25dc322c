namespace Gadget.Agent.Interop;

/// <summary>What statx says about a path: type and permission bits, owner, group, inode.</summary>
internal readonly record struct FileStatus(ushort Mode, uint Uid, uint Gid, ulong Inode)
{
    /// <summary>Whether the path is a Unix domain socket.</summary>
    public bool IsSocket => (Mode & Libc.FileTypeMask) == Libc.SocketType;

    /// <summary>The permission bits (e.g. 0600).</summary>
    public int Permissions => Mode & 0xFFF;
}
