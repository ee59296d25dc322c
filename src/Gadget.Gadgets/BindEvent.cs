using System.Net;
using System.Net.Sockets;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>One <c>bind</c>, reported when the syscall returns: the address asked for, the socket, and the result.</summary>
public sealed record BindEvent
{
    /// <summary>When the call returned (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Process id.</summary>
    public required int Pid { get; init; }

    /// <summary>Thread id.</summary>
    public required int Tid { get; init; }

    /// <summary>Process id of the parent (the real parent's thread group id).</summary>
    public int ParentPid { get; init; }

    /// <summary>User id.</summary>
    public required int Uid { get; init; }

    /// <summary>Group id.</summary>
    public int Gid { get; init; }

    /// <summary>Task name.</summary>
    public required string Comm { get; init; }

    /// <summary>Task name of the process's parent (the parent process's <c>comm</c> as in /proc/PPID/comm: ig's pcomm).</summary>
    public string ParentComm { get; init; } = string.Empty;

    /// <summary>The socket's file descriptor, as passed.</summary>
    public required int FileDescriptor { get; init; }

    /// <summary>The address family as passed (Linux's numbers: 1 AF_UNIX, 2 AF_INET, 10 AF_INET6; 0 when unreadable).</summary>
    public required int Family { get; init; }

    /// <summary>The address asked for (IPv6 with its scope id), or null for a family other than AF_INET and AF_INET6.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>The port asked for (0: let the kernel choose).</summary>
    public required int Port { get; init; }

    /// <summary>The socket's local port after the call: the kernel's choice when <see cref="Port"/> was 0; 0 when it holds none.</summary>
    public required int BoundPort { get; init; }

    /// <summary>The socket's type (Stream, Dgram, Raw...), <see cref="SocketType.Unknown"/> when the descriptor is not a socket.</summary>
    public required SocketType SocketType { get; init; }

    /// <summary>The socket's protocol (Tcp, Udp...; <see cref="ProtocolType.IP"/> (0) when it has none, as AF_UNIX sockets).</summary>
    public required ProtocolType Protocol { get; init; }

    /// <summary>4 or 6 for an IP address, else 0.</summary>
    public int IPVersion => Family switch { LinuxAddressFamily.Inet => 4, LinuxAddressFamily.Inet6 => 6, _ => 0 };

    /// <summary>The syscall's result: 0, or -errno.</summary>
    public required int ReturnValue { get; init; }

    /// <summary>The errno of a failed call (e.g. 98 EADDRINUSE), 0 on success.</summary>
    public int Error => ReturnValue < 0 ? -ReturnValue : 0;

    /// <summary>"OK", or the error's name (EADDRINUSE, EACCES...).</summary>
    public string Result => ReturnValue >= 0 ? "OK" : Gadget.Bpf.Errno.Name(Error);

    /// <summary>The cgroup2 id of the process.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container the process runs in, when <see cref="GadgetOptions.Containers"/> knows its cgroup.</summary>
    public Container? Container { get; init; }
}
