using System.CommandLine;
using System.Net.Sockets;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets snapshot socket</c>: the TCP and UDP sockets there are now (BPF socket iterators), like ig's snapshot socket and ss -tanu.</summary>
internal static class SnapshotSocketCommand
{
    public static Command Create()
    {
        var command = new Command("socket", "List the TCP and UDP sockets of the selected containers (or of the host and every container), from the kernel's socket tables (BPF iter/tcp and iter/udp, Linux 5.9), in each one's network namespace.");
        var schema = GadgetSchemas.SnapshotSocket;
        CliHost.AddHelpSection(command, schema.Describe);
        var selector = new SelectorOptions(command);
        var output = new OutputOptions(command, [.. schema.Fields.Select(f => f.Name)]);
        var protocol = ValueOptions.Choice("--proto", "-P", "only TCP or only UDP sockets", "all", "all", "tcp", "udp");
        command.Options.Add(protocol);
        command.SetAction(async (result, cancellationToken) =>
        {
            var writer = output.Writer(result, schema);
            var only = result.GetValue(protocol) switch { "tcp" => ProtocolType.Tcp, "udp" => ProtocolType.Udp, _ => ProtocolType.Unspecified };
            await using var containers = selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
            var options = new GadgetOptions { Containers = containers, Selector = selector.Selector(result) };
            using var sockets = SocketSnapshot.Start(options);
            CliHost.Ready($"snapshot of {(options.Selector is null ? "the host's sockets and every container's" : "the sockets of containers matching " + options.Selector)}");
            var time = EventTime.Now();
            foreach (var entry in sockets.Take())
            {
                if (only == ProtocolType.Unspecified || entry.Protocol == only)
                {
                    writer.Write(new SocketRow(entry, time));
                }
            }
            writer.Flush();
            return CliHost.Success;
        });
        return command;
    }
}
