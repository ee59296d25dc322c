using System.Net;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>The <c>tcpconnect</c>, <c>tcpaccept</c> and <c>tcptop</c> subcommands.</summary>
internal static class TcpCommands
{
    /// <summary><c>gadgets tcpconnect</c>: columns like BCC's and Inspektor Gadget's tcpconnect, plus the result and latency.</summary>
    public static async Task<int> ConnectAsync(CommandLine line, GadgetContext context)
    {
        var failedOnly = line.Flag("--failed");
        line.ThrowOnUnknown();
        await using var gadget = TcpConnect.Start(context.Options);
        var events = failedOnly ? Where(gadget.ReadAsync(context.Stopping), e => !e.Succeeded) : gadget.ReadAsync(context.Stopping);
        return await context.PrintAsync(events,
        [
            GadgetContext.ContainerColumn<TcpConnectEvent>(e => e.Container),
            new("PID", 7, e => e.Pid),
            new("COMM", -16, e => e.Comm),
            new("IP", 2, e => e.IPVersion),
            new("SADDR", -22, e => e.SourceAddress.ToString()),
            new("SPORT", 5, e => e.SourcePort),
            new("DADDR", -22, e => e.DestinationAddress.ToString()),
            new("DPORT", 5, e => e.DestinationPort),
            new("LAT_MS", 8, e => Math.Round(e.Latency.TotalMilliseconds, 3)),
            new("RESULT", 0, e => e.Result),
        ], lost => gadget.EventsLost += lost);
    }

    /// <summary><c>gadgets tcpaccept</c>: columns like BCC's tcpaccept (the accepting process and both ends).</summary>
    public static async Task<int> AcceptAsync(CommandLine line, GadgetContext context)
    {
        line.ThrowOnUnknown();
        await using var gadget = TcpAccept.Start(context.Options);
        return await context.PrintAsync(gadget.ReadAsync(context.Stopping),
        [
            GadgetContext.ContainerColumn<TcpAcceptEvent>(e => e.Container),
            new("PID", 7, e => e.Pid),
            new("COMM", -16, e => e.Comm),
            new("IP", 2, e => e.IPVersion),
            new("RADDR", -22, e => e.RemoteAddress.ToString()),
            new("RPORT", 5, e => e.RemotePort),
            new("LADDR", -22, e => e.LocalAddress.ToString()),
            new("LPORT", 0, e => e.LocalPort),
        ], lost => gadget.EventsLost += lost);
    }

    /// <summary><c>gadgets tcptop [--interval SECONDS] [--count N]</c>: per-connection traffic every interval.</summary>
    public static async Task<int> TopAsync(CommandLine line, GadgetContext context)
    {
        var interval = TimeSpan.FromSeconds(line.Option("--interval") is { } s ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 1);
        var count = line.IntOption("--count", int.MaxValue);
        var rows = line.IntOption("--rows", 20);
        line.ThrowOnUnknown();
        await using var gadget = TcpTop.Start(context.Options, new TcpTopOptions { Interval = interval, MaxRows = rows });
        var writer = context.Writer<TcpTraffic>(
        [
            GadgetContext.ContainerColumn<TcpTraffic>(e => e.Container),
            new("PID", 7, e => e.Pid),
            new("COMM", -16, e => e.Comm),
            new("IP", 2, e => e.IPVersion),
            new("LADDR", -22, e => Endpoint(e.LocalAddress, e.LocalPort)),
            new("RADDR", -22, e => Endpoint(e.RemoteAddress, e.RemotePort)),
            new("SENT", 12, e => e.BytesSent),
            new("RECV", 0, e => e.BytesReceived),
        ]);
        try
        {
            await foreach (var snapshot in gadget.ReadAsync(context.Stopping))
            {
                if (line.Output == OutputFormat.Columns)
                {
                    Console.WriteLine($"{snapshot.Time:HH:mm:ss} {snapshot.Connections.Count} connection(s)");
                }
                foreach (var row in snapshot.Connections)
                {
                    writer.Write(row);
                }
                if (--count <= 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (context.Stopping.IsCancellationRequested)
        {
        }
        return 0;
    }

    private static string Endpoint(IPAddress address, int port) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    private static async IAsyncEnumerable<T> Where<T>(IAsyncEnumerable<T> source, Func<T, bool> predicate)
    {
        await foreach (var item in source.ConfigureAwait(false))
        {
            if (predicate(item))
            {
                yield return item;
            }
        }
    }
}
