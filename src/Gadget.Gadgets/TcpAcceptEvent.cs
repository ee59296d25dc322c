using System.Net;
using Gadget.Containers;
using TcpEventRecord = Gadget.Gadgets.Bpf.Tcpconnect.TcpEvent;

namespace Gadget.Gadgets;

/// <summary>
/// An incoming TCP connection taken by a listening process (<c>accept</c>/<c>accept4</c> returned it), reported by
/// <see cref="TcpAccept"/> in the context of that process.
/// </summary>
public sealed record TcpAcceptEvent
{
    /// <summary>When <c>accept</c> returned, in nanoseconds since boot (<c>CLOCK_BOOTTIME</c>).</summary>
    public required ulong Timestamp { get; init; }

    /// <summary>Process id (thread group id) of the accepting (listening) process.</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id that called <c>accept</c>.</summary>
    public required int Tid { get; init; }

    /// <summary>User id of the accepting thread.</summary>
    public required uint Uid { get; init; }

    /// <summary>Command name of the accepting thread.</summary>
    public required string Comm { get; init; }

    /// <summary>Process id of the accepting process's parent.</summary>
    public int ParentPid { get; init; }

    /// <summary>Group id of the accepting process's thread.</summary>
    public uint Gid { get; init; }

    /// <summary>Task name of the accepting process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>cgroup2 id of the accepting process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container of the accepting process, when a <see cref="GadgetOptions.Containers"/> collection knows it.</summary>
    public Container? Container { get; init; }

    /// <summary>Inode number of the socket's network namespace.</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>The local address the connection came to.</summary>
    public required IPAddress LocalAddress { get; init; }

    /// <summary>The local (listening) port.</summary>
    public required int LocalPort { get; init; }

    /// <summary>The peer's address.</summary>
    public required IPAddress RemoteAddress { get; init; }

    /// <summary>The peer's port.</summary>
    public required int RemotePort { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => RemoteAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;

    internal static TcpAcceptEvent From(TcpEventRecord record, GadgetRuntime runtime) => new()
    {
        Timestamp = record.TimestampNs,
        Pid = (int)record.Proc.Pid,
        Tid = (int)record.Proc.Tid,
        ParentPid = (int)record.Proc.Ppid,
        Uid = record.Proc.Uid,
        Gid = record.Proc.Gid,
        Comm = RecordText.Decode(record.Proc.Comm),
        ParentComm = RecordText.Decode(record.Proc.Pcomm),
        CgroupId = record.CgroupId,
        Container = runtime.ResolveContainer(record.CgroupId),
        NetNamespaceId = record.Netns,
        LocalAddress = RecordAddress.Decode(record.Family, record.Saddr),
        LocalPort = record.Sport,
        RemoteAddress = RecordAddress.Decode(record.Family, record.Daddr),
        RemotePort = record.Dport,
    };
}
