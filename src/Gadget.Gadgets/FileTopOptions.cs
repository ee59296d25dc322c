namespace Gadget.Gadgets;

/// <summary>Options of <see cref="FileTop"/>.</summary>
public sealed class FileTopOptions
{
    /// <summary>How often a snapshot is taken (default 1 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many rows per snapshot, the first in <see cref="Sort"/> order (default: all).</summary>
    public int? MaxRows { get; init; }

    /// <summary>The order of the rows (default: bytes read + written).</summary>
    public FileTopSort Sort { get; init; } = FileTopSort.AllBytes;

    /// <summary>Count every kind of file (sockets, pipes, devices...), not only regular files (default false; filtered in the kernel).</summary>
    public bool AllFiles { get; init; }
}
