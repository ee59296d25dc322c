using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>The <c>tcpconnect</c> and <c>tcpaccept</c> commands.</summary>
internal static class TcpCommands
{
    public static Command Connect() => EventCommand.Create("tcpconnect", "Trace every outgoing TCP connection of the selected containers (or of the host), with its latency and result.", GadgetSchemas.TcpConnect, TcpConnect.Start, command =>
    {
        var failed = new Option<bool>("--failed") { Description = "only connections that failed" };
        command.Options.Add(failed);
        return result => result.GetValue(failed) ? e => !e.Succeeded : _ => true;
    });

    public static Command Accept() => EventCommand.Create("tcpaccept", "Trace every TCP connection accepted by the selected containers (or on the host).", GadgetSchemas.TcpAccept, TcpAccept.Start);
}
