using System.Net;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>A TCP segment the kernel dropped, with the kernel's reason, reported by <see cref="TcpDrop"/>.</summary>
public sealed record TcpDropEvent
{
    /// <summary>When the segment was dropped (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The cgroup2 id of the process that created the socket the segment belonged to; 0 when it had none (or unknown).</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the segment belonged to: by its socket's creator's cgroup, else by its network namespace; null when unknown.</summary>
    public Container? Container { get; init; }

    /// <summary>Inode number of the network namespace of the socket (else of the device the segment went through); 0 when unknown.</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>The segment's source address (from its IP header).</summary>
    public required IPAddress SourceAddress { get; init; }

    /// <summary>The segment's source port.</summary>
    public required int SourcePort { get; init; }

    /// <summary>The segment's destination address.</summary>
    public required IPAddress DestinationAddress { get; init; }

    /// <summary>The segment's destination port.</summary>
    public required int DestinationPort { get; init; }

    /// <summary>The segment's flags.</summary>
    public required TcpFlags Flags { get; init; }

    /// <summary>The state of the socket it belonged to; <see cref="TcpState.None"/> when it found none.</summary>
    public required TcpState State { get; init; }

    /// <summary>The drop reason, as the running kernel numbers its <c>enum skb_drop_reason</c> (numbers differ between kernels).</summary>
    public required int Reason { get; init; }

    /// <summary>The reason's name without its SKB_DROP_REASON_ prefix (NO_SOCKET, TCP_CSUM, SOCKET_FILTER...), read from the kernel's BTF.</summary>
    public required string ReasonName { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => DestinationAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;
}
