using System.Net;
using Gadget.Bpf;
using Gadget.Containers;
using TcpEventRecord = Gadget.Gadgets.Bpf.Tcpconnect.TcpEvent;

namespace Gadget.Gadgets;

/// <summary>
/// An outgoing TCP connection (an active open) that succeeded or failed, reported by <see cref="TcpConnect"/> once its
/// handshake ended.
/// </summary>
public sealed record TcpConnectEvent
{
    /// <summary>When the handshake ended, in nanoseconds since boot (<c>CLOCK_BOOTTIME</c>).</summary>
    public required ulong Timestamp { get; init; }

    /// <summary>Process id (thread group id) of the process that called <c>connect</c>.</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id that called <c>connect</c>.</summary>
    public required int Tid { get; init; }

    /// <summary>User id of the connecting thread.</summary>
    public required uint Uid { get; init; }

    /// <summary>Command name (task comm, at most 15 characters) of the connecting thread.</summary>
    public required string Comm { get; init; }

    /// <summary>Process id of the connecting process's parent.</summary>
    public int ParentPid { get; init; }

    /// <summary>Group id of the connecting process's thread.</summary>
    public uint Gid { get; init; }

    /// <summary>Task name of the connecting process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm, read in the kernel with the event: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>cgroup2 id of the connecting process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container of the connecting process, when a <see cref="GadgetOptions.Containers"/> collection knows it.</summary>
    public Container? Container { get; init; }

    /// <summary>Inode number of the socket's network namespace (as in <c>/proc/PID/ns/net</c>).</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>Local address.</summary>
    public required IPAddress SourceAddress { get; init; }

    /// <summary>Local port (0 if the kernel released it before the failure was reported).</summary>
    public required int SourcePort { get; init; }

    /// <summary>Remote address.</summary>
    public required IPAddress DestinationAddress { get; init; }

    /// <summary>Remote port.</summary>
    public required int DestinationPort { get; init; }

    /// <summary>Time from sending the SYN to the end of the handshake (established or failed).</summary>
    public required TimeSpan Latency { get; init; }

    /// <summary>
    /// 0 when the connection was established, else the errno it failed with (111 ECONNREFUSED, 110 ETIMEDOUT, 113
    /// EHOSTUNREACH, ...), read from the socket's <c>sk_err</c>; 0 with <see cref="Succeeded"/> false means the socket was
    /// closed before the handshake ended.
    /// </summary>
    public required int Error { get; init; }

    /// <summary>Whether the connection reached ESTABLISHED.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => DestinationAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;

    /// <summary>The error's name (ECONNREFUSED...), "OK" on success, "CLOSED" if closed before the end of the handshake.</summary>
    public string Result => Succeeded ? "OK" : Error == 0 ? "CLOSED" : Errno.Name(Error);

    internal static TcpConnectEvent From(TcpEventRecord record, GadgetRuntime runtime) => new()
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
        SourceAddress = RecordAddress.Decode(record.Family, record.Saddr),
        SourcePort = record.Sport,
        DestinationAddress = RecordAddress.Decode(record.Family, record.Daddr),
        DestinationPort = record.Dport,
        Latency = TimeSpan.FromTicks((long)(record.LatencyNs / 100)),
        Error = record.Error,
        Succeeded = record.State == 1,
    };
}
