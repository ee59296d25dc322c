using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>The reads and writes of one process on one file during one <see cref="FileTop"/> interval.</summary>
public sealed record FileTraffic
{
    /// <summary>Process id (thread group id) that read or wrote.</summary>
    public required int Pid { get; init; }

    /// <summary>Command name of the thread that first read or wrote the file in the interval.</summary>
    public required string Comm { get; init; }

    /// <summary>Thread id that first read or wrote the file in the interval.</summary>
    public int Tid { get; init; }

    /// <summary>Process id of the parent.</summary>
    public int ParentPid { get; init; }

    /// <summary>User id of the thread that first read or wrote the file in the interval.</summary>
    public uint Uid { get; init; }

    /// <summary>Group id of that thread.</summary>
    public uint Gid { get; init; }

    /// <summary>Task name of the process's parent (its comm, as /proc/PPID/comm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The process's container, when a <see cref="GadgetOptions.Containers"/> collection knows it.</summary>
    public Container? Container { get; init; }

    /// <summary>The file's inode number (stat's <c>st_ino</c>).</summary>
    public required ulong Inode { get; init; }

    /// <summary>Major number of the device of the file's file system.</summary>
    public required uint DeviceMajor { get; init; }

    /// <summary>Minor number of the device of the file's file system.</summary>
    public required uint DeviceMinor { get; init; }

    /// <summary>The device as stat's <c>st_dev</c> encodes it (glibc's makedev of <see cref="DeviceMajor"/> and <see cref="DeviceMinor"/>).</summary>
    public ulong Device => ((ulong)(DeviceMajor & 0xfffff000) << 32) | ((ulong)(DeviceMajor & 0xfff) << 8) | ((ulong)(DeviceMinor & 0xffffff00) << 12) | (DeviceMinor & 0xff);

    /// <summary>What kind of file it is.</summary>
    public required FileType Type { get; init; }

    /// <summary>The file's name (its dentry's, at most 31 bytes); <c>socket:[INODE]</c> or <c>pipe:[INODE]</c> for a nameless socket or pipe, as /proc/PID/fd shows them.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The last components of the file's path (up to 4, each at most 31 bytes), read from the dentries in the kernel:
    /// relative to the root of the file's file system, so with a leading <c>/</c> when they reach it (<c>/x</c> for
    /// <c>/tmp/x</c> on a tmpfs mounted at <c>/tmp</c>), else starting with <c>.../</c>; <see cref="Name"/> alone for a file
    /// of a pseudo file system (a socket, a pipe, an anonymous inode such as <c>[eventfd]</c>).
    /// </summary>
    public required string Path { get; init; }

    /// <summary>Successful read calls (read, pread64, readv, preadv, preadv2 returning more than 0).</summary>
    public required long Reads { get; init; }

    /// <summary>Successful write calls (write, pwrite64, writev, pwritev, pwritev2 returning more than 0).</summary>
    public required long Writes { get; init; }

    /// <summary>Bytes read: the sum of what those read calls returned.</summary>
    public required long ReadBytes { get; init; }

    /// <summary>Bytes written: the sum of what those write calls returned.</summary>
    public required long WriteBytes { get; init; }
}
