using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>One row of a tcptop table and the time of its snapshot.</summary>
/// <param name="Traffic">The connection's traffic during the interval.</param>
/// <param name="Time">When the table was taken.</param>
public sealed record TcpTopRow(TcpTraffic Traffic, DateTimeOffset Time);
