using System.Globalization;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// <c>ss -tanuH</c> (iproute2) as rows, run in the current network namespace or, with a pid, in that process's
/// (<c>nsenter -n</c>): the independent listing a socket snapshot is compared with.
/// </summary>
internal static class SsSockets
{
    /// <summary>One line of ss: netid (tcp, udp), state (LISTEN, ESTAB, UNCONN...), local and peer ports.</summary>
    internal sealed record Row(string Protocol, string State, int LocalPort, int PeerPort);

    public static List<Row> List(int? pid = null)
    {
        var output = pid is { } p
            ? TcpTestHelpers.Run("nsenter", "-t", p.ToString(CultureInfo.InvariantCulture), "-n", "ss", "-tanuH")
            : TcpTestHelpers.Run("ss", "-tanuH");
        var rows = new List<Row>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Netid State Recv-Q Send-Q Local:Port Peer:Port
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            rows.Add(new Row(f[0], f[1], Port(f[4]), Port(f[5])));
        }
        return rows;
    }

    /// <summary>The row ss would print for a snapshot entry.</summary>
    public static Row Of(SocketSnapshotEntry e) => new(
        e.Protocol == System.Net.Sockets.ProtocolType.Tcp ? "tcp" : "udp",
        e.State switch
        {
            TcpState.Established => "ESTAB",
            TcpState.Listen => "LISTEN",
            TcpState.Close when e.Protocol == System.Net.Sockets.ProtocolType.Udp => "UNCONN",
            TcpState.Close => "CLOSE",
            TcpState.SynSent => "SYN-SENT",
            TcpState.SynReceived or TcpState.NewSynReceived => "SYN-RECV",
            TcpState.FinWait1 => "FIN-WAIT-1",
            TcpState.FinWait2 => "FIN-WAIT-2",
            TcpState.TimeWait => "TIME-WAIT",
            TcpState.CloseWait => "CLOSE-WAIT",
            TcpState.LastAck => "LAST-ACK",
            TcpState.Closing => "CLOSING",
            _ => e.State.ToString(),
        },
        e.LocalPort,
        e.RemotePort);

    private static int Port(string endpoint)
    {
        var port = endpoint[(endpoint.LastIndexOf(':') + 1)..];
        return port == "*" ? 0 : int.Parse(port, CultureInfo.InvariantCulture);
    }
}
