namespace Gadget.Gadgets;

/// <summary>The kind of file a <see cref="FileTraffic"/> row is about (from the inode's mode).</summary>
public enum FileType
{
    /// <summary>A regular file.</summary>
    Regular = 0,

    /// <summary>A socket.</summary>
    Socket = 1,

    /// <summary>A pipe or FIFO.</summary>
    Pipe = 2,

    /// <summary>Anything else: a character or block device, a directory, a symbolic link.</summary>
    Other = 3,
}
