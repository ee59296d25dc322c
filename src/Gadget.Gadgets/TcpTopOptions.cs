namespace Gadget.Gadgets;

/// <summary>Options of <see cref="TcpTop"/>.</summary>
public sealed class TcpTopOptions
{
    /// <summary>How often a snapshot is taken (default 1 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many connections per snapshot, the busiest (default: all).</summary>
    public int? MaxRows { get; init; }
}
