using System.CommandLine;
using System.Net;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>The <c>tcpconnect</c> and <c>tcpaccept</c> commands.</summary>
internal static class TcpCommands
{
    public static EventSchema<TcpConnectEvent> ConnectSchema { get; } = new("tcpconnect", e => EventTime.FromBoot(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "the connecting process's id", e => e.Pid),
        new("tid", "TID", 7, "its thread id", e => e.Tid) { Default = false },
        new("uid", "UID", 6, "its user id", e => e.Uid) { Default = false },
        new("comm", "COMM", -16, "its task name", e => e.Comm),
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion),
        new("saddr", "SADDR", -22, "source address", e => e.SourceAddress.ToString()),
        new("sport", "SPORT", 5, "source port", e => e.SourcePort),
        new("daddr", "DADDR", -22, "destination address", e => e.DestinationAddress.ToString()),
        new("dport", "DPORT", 5, "destination port", e => e.DestinationPort),
        new("latencyMs", "LAT_MS", 8, "from connect() to the end of the handshake, in ms", e => Math.Round(e.Latency.TotalMilliseconds, 3)),
        new("result", "RESULT", 0, "OK, or the error the connection failed with (ECONNREFUSED, ...)", e => e.Result),
    ]);

    public static EventSchema<TcpAcceptEvent> AcceptSchema { get; } = new("tcpaccept", e => EventTime.FromBoot(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "the accepting process's id", e => e.Pid),
        new("tid", "TID", 7, "its thread id", e => e.Tid) { Default = false },
        new("uid", "UID", 6, "its user id", e => e.Uid) { Default = false },
        new("comm", "COMM", -16, "its task name", e => e.Comm),
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion),
        new("raddr", "RADDR", -22, "remote address", e => e.RemoteAddress.ToString()),
        new("rport", "RPORT", 5, "remote port", e => e.RemotePort),
        new("laddr", "LADDR", -22, "local address", e => e.LocalAddress.ToString()),
        new("lport", "LPORT", 0, "local port", e => e.LocalPort),
    ]);

    public static Command Connect() => EventCommand.Create("tcpconnect", "Trace every outgoing TCP connection of the selected containers (or of the host), with its latency and result.", ConnectSchema, TcpConnect.Start, command =>
    {
        var failed = new Option<bool>("--failed") { Description = "only connections that failed" };
        command.Options.Add(failed);
        return result => result.GetValue(failed) ? e => !e.Succeeded : _ => true;
    });

    public static Command Accept() => EventCommand.Create("tcpaccept", "Trace every TCP connection accepted by the selected containers (or on the host).", AcceptSchema, TcpAccept.Start);

    /// <summary>An address and port, IPv6 in brackets.</summary>
    public static string Endpoint(IPAddress address, int port) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
