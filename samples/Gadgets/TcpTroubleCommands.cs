using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>The <c>tcpretrans</c> and <c>tcpdrop</c> commands (ig's trace tcpretrans and trace tcpdrop).</summary>
internal static class TcpTroubleCommands
{
    public static Command Retrans() => EventCommand.Create("tcpretrans", "Trace every TCP retransmission of the selected containers' sockets (or of the host), at tcp:tcp_retransmit_skb.", GadgetSchemas.TcpRetrans, TcpRetrans.Start, command =>
    {
        var port = ValueOptions.Integer("--port", "only retransmissions of connections with this local or remote port (0: every port)", 0, 0, 65535);
        command.Options.Add(port);
        return result =>
        {
            var only = result.GetValue(port);
            return e => only == 0 || e.SourcePort == only || e.DestinationPort == only;
        };
    });

    public static Command Drop() => EventCommand.Create("tcpdrop", "Trace every TCP segment the kernel dropped, with its reason (skb:kfree_skb, Linux 5.17+), for the selected containers' sockets (or the host).", GadgetSchemas.TcpDrop, TcpDrop.Start, command =>
    {
        var reason = new Option<string?>("--reason") { Description = "only drops with this reason (NO_SOCKET, TCP_CSUM...; as the kernel names it)" };
        var port = ValueOptions.Integer("--port", "only segments from or to this port (0: every port)", 0, 0, 65535);
        command.Options.Add(reason);
        command.Options.Add(port);
        return result =>
        {
            var onlyReason = result.GetValue(reason);
            var onlyPort = result.GetValue(port);
            return e => (onlyReason is null || string.Equals(e.ReasonName, onlyReason, StringComparison.OrdinalIgnoreCase))
                && (onlyPort == 0 || e.SourcePort == onlyPort || e.DestinationPort == onlyPort);
        };
    });
}
