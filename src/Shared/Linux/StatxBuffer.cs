using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary><c>struct statx</c> (<c>include/uapi/linux/stat.h</c>: the same 256 bytes on every architecture), the fields Gadget reads.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    /// <summary><c>stx_mask</c>: which fields the kernel filled in.</summary>
    [FieldOffset(0)]
    public uint Mask;

    /// <summary><c>stx_uid</c>.</summary>
    [FieldOffset(20)]
    public uint Uid;

    /// <summary><c>stx_gid</c>.</summary>
    [FieldOffset(24)]
    public uint Gid;

    /// <summary><c>stx_mode</c>: file type and permission bits.</summary>
    [FieldOffset(28)]
    public ushort Mode;

    /// <summary><c>stx_ino</c>.</summary>
    [FieldOffset(32)]
    public ulong Inode;

    /// <summary><c>stx_size</c>: the size in bytes.</summary>
    [FieldOffset(40)]
    public ulong Size;

    /// <summary><c>stx_ctime.tv_sec</c>: when the inode last changed (a new file's creation, for one that was never changed).</summary>
    [FieldOffset(96)]
    public long ChangedSeconds;

    /// <summary><c>stx_ctime.tv_nsec</c>.</summary>
    [FieldOffset(104)]
    public uint ChangedNanoseconds;
}
