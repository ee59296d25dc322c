using System.Net;
using System.Net.Sockets;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>One TCP or UDP socket as a <see cref="SocketSnapshot"/> found it, read by the kernel's socket iterators.</summary>
public sealed record SocketSnapshotEntry
{
    /// <summary><see cref="ProtocolType.Tcp"/> or <see cref="ProtocolType.Udp"/>.</summary>
    public required ProtocolType Protocol { get; init; }

    /// <summary>The local address (<see cref="IPAddress.Any"/> or <see cref="IPAddress.IPv6Any"/> when bound to every address).</summary>
    public required IPAddress LocalAddress { get; init; }

    /// <summary>The local port.</summary>
    public required int LocalPort { get; init; }

    /// <summary>The peer's address (the any address when not connected).</summary>
    public required IPAddress RemoteAddress { get; init; }

    /// <summary>The peer's port (0 when not connected).</summary>
    public required int RemotePort { get; init; }

    /// <summary>The state: a TCP socket's; a UDP socket is <see cref="TcpState.Close"/> unconnected, <see cref="TcpState.Established"/> connected.</summary>
    public required TcpState State { get; init; }

    /// <summary>The socket's inode number (as <c>ss -e</c> and <c>/proc/PID/fd</c> show it); 0 for a time-wait or request socket, which has no file.</summary>
    public required ulong Inode { get; init; }

    /// <summary>The user id owning the socket (as the initial user namespace sees it).</summary>
    public required int Uid { get; init; }

    /// <summary>Inode number of the socket's network namespace (as in <c>/proc/PID/ns/net</c>).</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>The cgroup2 id of the process that created the socket; 0 when unknown (time-wait and request sockets).</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the socket belongs to: by its creator's cgroup, else the container whose network namespace it is in; null for the host's.</summary>
    public Container? Container { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => LocalAddress.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;
}
