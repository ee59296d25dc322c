using System.Diagnostics.Metrics;
using Gadget.Traceloop;

namespace Gadget.Agent;

/// <summary>
/// What only the agent knows, on the meter named <see cref="MeterName"/> (made by the host's <see cref="IMeterFactory"/>):
/// connections it refused, events it dropped for slow stream clients, and what the traceloop histories it read lacked.
/// The libraries' meters (Gadget.Bpf, Gadget.Containers, Gadget.Gadgets, Gadget.Traceloop) and ASP.NET Core's request
/// metrics cover the rest; deploy/README.md lists them all under their Prometheus names.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>gadget.agent.connections.refused</c></term><description>connections refused before any request, tagged
/// <c>reason</c> (<c>forbidden</c>: the peer may not use the socket; <c>too_many</c>: the caller's connection limit) and
/// <c>caller</c> (counter).</description></item>
/// <item><term><c>gadget.agent.stream.events.dropped</c></term><description>events a gadget stream dropped because its client read too
/// slowly (its queue was full), tagged <c>gadget</c> (counter).</description></item>
/// <item><term><c>gadget.agent.histories.read</c></term><description>traceloop histories the agent read, tagged <c>reason</c>
/// (<c>request</c>: GET /containers/X/history; <c>crash</c>: a recorded container crashed) and <c>wrapped</c> (<c>true</c>: the
/// ring had overwritten older syscalls) (counter).</description></item>
/// <item><term><c>gadget.agent.histories.overwritten</c></term><description>syscalls those histories lacked because their ring wrapped
/// (<see cref="SyscallHistory.Overwritten"/>, summed over the histories read: a ring read twice counts twice), tagged <c>reason</c> (counter).</description></item>
/// </list>
/// </remarks>
public sealed class AgentMetrics
{
    /// <summary>The agent's meter.</summary>
    public const string MeterName = "Gadget.Agent";

    private readonly Counter<long> _refused;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _histories;
    private readonly Counter<long> _overwritten;

    /// <summary>Creates the agent's instruments on a meter of <paramref name="meters"/>.</summary>
    public AgentMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _refused = meter.CreateCounter<long>("gadget.agent.connections.refused", "{connection}", "Connections refused before any request (reason: forbidden or too_many).");
        _dropped = meter.CreateCounter<long>("gadget.agent.stream.events.dropped", "{event}", "Events dropped for stream clients that read too slowly, per gadget.");
        _histories = meter.CreateCounter<long>("gadget.agent.histories.read", "{history}", "Traceloop histories read (reason: request or crash; wrapped: the ring had overwritten older syscalls).");
        _overwritten = meter.CreateCounter<long>("gadget.agent.histories.overwritten", "{syscall}", "Syscalls the histories read lacked because their ring wrapped.");
    }

    /// <summary>The request tag of a caller: <c>uid:N</c> on the Unix socket; <c>tcp</c> for every TCP client (remote addresses
    /// would make a series per client port range).</summary>
    public static string CallerTag(Caller? caller) => caller switch
    {
        null => "unknown",
        { Peer: { } peer } => "uid:" + peer.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "tcp",
    };

    /// <summary>Counts a connection refused for <paramref name="reason"/> (<c>forbidden</c> or <c>too_many</c>).</summary>
    public void ConnectionRefused(string reason, Caller caller) =>
        _refused.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("caller", CallerTag(caller)));

    /// <summary>Counts events dropped for a slow client of <paramref name="gadget"/>'s stream.</summary>
    public void EventsDropped(string gadget, long count)
    {
        if (count > 0)
        {
            _dropped.Add(count, new KeyValuePair<string, object?>("gadget", gadget));
        }
    }

    /// <summary>Counts a history read for <paramref name="reason"/> (<c>request</c> or <c>crash</c>) and what it lacked.</summary>
    public void HistoryRead(SyscallHistory history, string reason)
    {
        ArgumentNullException.ThrowIfNull(history);
        var wrapped = history.Overwritten > 0;
        _histories.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("wrapped", wrapped ? "true" : "false"));
        if (wrapped)
        {
            _overwritten.Add((long)history.Overwritten, new KeyValuePair<string, object?>("reason", reason));
        }
    }
}
