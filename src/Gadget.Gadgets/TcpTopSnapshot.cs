namespace Gadget.Gadgets;

/// <summary>One <see cref="TcpTop"/> interval: the connections that carried data, busiest first.</summary>
/// <param name="Time">When the interval ended (UTC).</param>
/// <param name="Interval">How long the interval was.</param>
/// <param name="Connections">Per process and connection, sorted by bytes sent + received, descending.</param>
public sealed record TcpTopSnapshot(DateTimeOffset Time, TimeSpan Interval, IReadOnlyList<TcpTraffic> Connections);
