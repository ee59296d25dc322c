using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets tcptop</c>: bytes per process and connection, one table per interval.</summary>
internal static class TcpTopCommand
{
    /// <summary>A row and the time of its snapshot.</summary>
    internal sealed record Row(TcpTraffic Traffic, DateTimeOffset Time);

    public static EventSchema<Row> Schema { get; } = new("tcptop", r => EventTime.FromWall(r.Time), r => r.Traffic.Container,
    [
        new("pid", "PID", 7, "process id", r => r.Traffic.Pid),
        new("comm", "COMM", -16, "task name", r => r.Traffic.Comm),
        new("ip", "IP", 2, "4 or 6", r => r.Traffic.IPVersion),
        new("laddr", "LADDR", -22, "local address:port", r => TcpCommands.Endpoint(r.Traffic.LocalAddress, r.Traffic.LocalPort)),
        new("raddr", "RADDR", -22, "remote address:port", r => TcpCommands.Endpoint(r.Traffic.RemoteAddress, r.Traffic.RemotePort)),
        new("sent", "SENT", 12, "bytes sent during the interval", r => r.Traffic.BytesSent),
        new("recv", "RECV", 0, "bytes received during the interval", r => r.Traffic.BytesReceived),
    ]);

    public static Command Create()
    {
        var command = new Command("tcptop", "Bytes sent and received per process and TCP connection of the selected containers (or of the host), every interval.");
        var shared = EventCommand.AddShared(command, Schema);
        var interval = ValueOptions.Seconds("--interval", "seconds between tables (> 0, at most 86400; default 1)", null);
        var count = ValueOptions.Integer("--count", "stop after this many tables (default: until stopped)", 0, 1, int.MaxValue);
        var rows = ValueOptions.Integer("--rows", "connections per table, the busiest first", 20, 1, 10_000);
        command.Options.Add(interval);
        command.Options.Add(count);
        command.Options.Add(rows);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
            var writer = shared.Output.Writer(result, Schema);
            var columns = shared.Output.Format(result) == OutputFormat.Columns;
            await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection();
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
                        writer.Write(new Row(traffic, snapshot.Time));
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
