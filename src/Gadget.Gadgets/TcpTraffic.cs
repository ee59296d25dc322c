using System.Net;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>The bytes one process sent and received on one TCP connection during one <see cref="TcpTop"/> interval.</summary>
public sealed record TcpTraffic
{
    /// <summary>Process id (thread group id) that sent or received.</summary>
    public required int Pid { get; init; }

    /// <summary>Command name of the thread that first sent or received in the interval.</summary>
    public required string Comm { get; init; }

    /// <summary>Thread id that first sent or received in the interval.</summary>
    public int Tid { get; init; }

    /// <summary>Process id of the parent.</summary>
    public int ParentPid { get; init; }

    /// <summary>User id of the thread that first sent or received in the interval.</summary>
    public uint Uid { get; init; }

    /// <summary>Group id of that thread.</summary>
    public uint Gid { get; init; }

    /// <summary>Task name of the process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The process's container, when a <see cref="GadgetOptions.Containers"/> collection knows it.</summary>
    public Container? Container { get; init; }

    /// <summary>Inode number of the socket's network namespace.</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>Local address.</summary>
    public required IPAddress LocalAddress { get; init; }

    /// <summary>Local port.</summary>
    public required int LocalPort { get; init; }

    /// <summary>Remote address.</summary>
    public required IPAddress RemoteAddress { get; init; }

    /// <summary>Remote port.</summary>
    public required int RemotePort { get; init; }

    /// <summary>Bytes sent (what send/write calls returned).</summary>
    public required long BytesSent { get; init; }

    /// <summary>Bytes received (what recv/read calls returned; MSG_PEEK reads excluded).</summary>
    public required long BytesReceived { get; init; }

    /// <summary>Number of successful send calls.</summary>
    public required long Sends { get; init; }

    /// <summary>Number of successful receive calls.</summary>
    public required long Receives { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => RemoteAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;
}
