using System.Net;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>A TCP segment the kernel sent again (a retransmission), reported by <see cref="TcpRetrans"/>.</summary>
public sealed record TcpRetransEvent
{
    /// <summary>When the segment was retransmitted (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The cgroup2 id of the process that created the socket (0 when the kernel did not keep it).</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container that owns the socket: by its creator's cgroup, else by its network namespace; null when unknown.</summary>
    public Container? Container { get; init; }

    /// <summary>Inode number of the socket's network namespace (as in <c>/proc/PID/ns/net</c>).</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>The socket's local address.</summary>
    public required IPAddress SourceAddress { get; init; }

    /// <summary>The socket's local port.</summary>
    public required int SourcePort { get; init; }

    /// <summary>The peer's address.</summary>
    public required IPAddress DestinationAddress { get; init; }

    /// <summary>The peer's port.</summary>
    public required int DestinationPort { get; init; }

    /// <summary>The socket's TCP state when it retransmitted (SynSent for a SYN sent again, Established for data...).</summary>
    public required TcpState State { get; init; }

    /// <summary>The retransmitted segment's flags.</summary>
    public required TcpFlags Flags { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => DestinationAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;
}
