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
        reason.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } value && UnknownReason(value) is { } problem)
            {
                r.AddError(problem);
            }
        });
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

    /// <summary>
    /// Why <paramref name="value"/> is no drop reason of this kernel (it would match no drop, silently); null when it is
    /// one, or when the kernel's BTF cannot be read (tcpdrop cannot start then, and says why).
    /// </summary>
    private static string? UnknownReason(string value)
    {
        var names = TcpDrop.ReasonNames;
        if (names.Count == 0 || names.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }
        // The names that contain what was given first (SOCKET: NO_SOCKET, SOCKET_FILTER...), then the kernel's first ones.
        var near = names.Where(n => value.Length > 0 && n.Contains(value, StringComparison.OrdinalIgnoreCase)).ToList();
        var shown = near.Concat(names.Where(n => n != "SUBSYS_MASK" && !n.StartsWith("SKB_", StringComparison.Ordinal)).Except(near)).Take(6);
        return $"--reason is one of this kernel's {names.Count} drop reasons ({string.Join(", ", shown)}, ...), not '{DisplayText.Escape(value)}'.";
    }
}
