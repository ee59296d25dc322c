using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets tcptop</c>: bytes per process and connection, one table per interval.</summary>
internal static class TcpTopCommand
{
    public static Command Create()
    {
        var command = new Command("tcptop", "Bytes sent and received per process and TCP connection of the selected containers (or of the host), every interval.");
        var shared = EventCommand.AddShared(command, GadgetSchemas.TcpTop);
        var interval = ValueOptions.Seconds("--interval", "seconds between tables (> 0, at most 86400; default 1)", null);
        var count = ValueOptions.Integer("--count", "stop after this many tables (default: until stopped)", 0, 1, int.MaxValue);
        var rows = ValueOptions.Integer("--rows", "connections per table, the busiest first", 20, 1, 10_000);
        command.Options.Add(interval);
        command.Options.Add(count);
        command.Options.Add(rows);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
            var writer = shared.Output.Writer(result, GadgetSchemas.TcpTop);
            var columns = shared.Output.Format(result) == OutputFormat.Columns;
            await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
            var options = new GadgetOptions { Containers = containers, Selector = shared.Selector.Selector(result) };
            await using var gadget = TcpTop.Start(options, new TcpTopOptions { Interval = (result.GetValue(interval) ?? TimeSpan.FromSeconds(1)), MaxRows = result.GetValue(rows) });
            CliHost.Ready($"tcptop attached to {(options.Selector is null ? "every process on the host" : "containers matching " + options.Selector)}; a table every {(result.GetValue(interval) ?? TimeSpan.FromSeconds(1)).TotalSeconds} s; Ctrl-C to stop");
            var left = result.GetValue(count) is > 0 and var n ? n : int.MaxValue;
            try
            {
                await foreach (var snapshot in gadget.ReadAsync(stopping.Token))
                {
                    if (columns)
                    {
                        Console.Error.WriteLine($"{snapshot.Time.ToLocalTime():HH:mm:ss} {snapshot.Connections.Count} connection(s)");
                    }
                    foreach (var traffic in snapshot.Connections)
                    {
                        writer.Write(new TcpTopRow(traffic, snapshot.Time));
                    }
                    writer.Flush(); // a table is shown when it is complete
                    if (--left <= 0)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            writer.Flush();
            return CliHost.Success;
        });
        return command;
    }
}
