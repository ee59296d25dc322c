namespace Gadget.Agent;

/// <summary>
/// Counts connections and gadget streams, per caller (<see cref="Caller.Key"/>) and in all, against the options' limits.
/// A refusal says why: too many for this caller (429) or the agent at capacity (503).
/// </summary>
public sealed class CallerLimits(AgentOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _streams = new(StringComparer.Ordinal);
    private int _totalStreams;

    /// <summary>Streams open now.</summary>
    public int Streams
    {
        get
        {
            lock (_gate)
            {
                return _totalStreams;
            }
        }
    }

    /// <summary>Counts a new connection of <paramref name="caller"/>; null when allowed, otherwise why not (429).</summary>
    public string? TryOpenConnection(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        lock (_gate)
        {
            var open = _connections.GetValueOrDefault(caller.Key);
            if (open >= options.MaxConnectionsPerCaller)
            {
                return $"too many connections from {caller.Key}: {open} open, at most {options.MaxConnectionsPerCaller} per caller (--max-connections-per-caller)";
            }
            _connections[caller.Key] = open + 1;
            return null;
        }
    }

    /// <summary>Forgets a connection counted by <see cref="TryOpenConnection"/>.</summary>
    public void CloseConnection(Caller caller) => Release(_connections, caller, counted: false);

    /// <summary>Counts a new stream; (0, null) when allowed, otherwise (429 or 503, why not).</summary>
    public (int Status, string? Reason) TryOpenStream(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        lock (_gate)
        {
            var open = _streams.GetValueOrDefault(caller.Key);
            if (open >= options.MaxStreamsPerCaller)
            {
                return (StatusCodes.Status429TooManyRequests, $"too many streams from {caller.Key}: {open} open, at most {options.MaxStreamsPerCaller} per caller (--max-streams-per-caller)");
            }
            if (_totalStreams >= options.MaxStreams)
            {
                return (StatusCodes.Status503ServiceUnavailable, $"the agent is at capacity: {_totalStreams} streams open, at most {options.MaxStreams} (--max-streams)");
            }
            _streams[caller.Key] = open + 1;
            _totalStreams++;
            return (0, null);
        }
    }

    /// <summary>Forgets a stream counted by <see cref="TryOpenStream"/>.</summary>
    public void CloseStream(Caller caller) => Release(_streams, caller, counted: true);

    private void Release(Dictionary<string, int> counts, Caller caller, bool counted)
    {
        lock (_gate)
        {
            var open = counts.GetValueOrDefault(caller.Key);
            if (open <= 1)
            {
                counts.Remove(caller.Key);
            }
            else
            {
                counts[caller.Key] = open - 1;
            }
            if (counted)
            {
                _totalStreams--;
            }
        }
    }
}
