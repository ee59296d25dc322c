namespace Gadget.Gadgets;

/// <summary>
/// The queries not answered yet, by (network namespace, message id), at most <see cref="Capacity"/>: the oldest is
/// forgotten when a new one does not fit. A response takes its query's time out, once.
/// </summary>
internal sealed class DnsLatencyTable
{
    /// <summary>The most queries kept.</summary>
    public const int Capacity = 1024;

    private readonly Dictionary<(ulong Netns, int Id), ulong> _queries = new(Capacity);
    private readonly Queue<(ulong Netns, int Id, ulong Time)> _order = new(Capacity);

    /// <summary>The number of queries kept now.</summary>
    public int Count => _queries.Count;

    /// <summary>Remembers a query seen at <paramref name="timeNs"/> (a retry with the same id: the latest time).</summary>
    public void Query(ulong netns, int id, ulong timeNs)
    {
        while (_queries.Count >= Capacity && _order.TryDequeue(out var oldest))
        {
            // An entry of the queue is stale when its query was answered or asked again since.
            if (_queries.TryGetValue((oldest.Netns, oldest.Id), out var time) && time == oldest.Time)
            {
                _queries.Remove((oldest.Netns, oldest.Id));
            }
        }
        _queries[(netns, id)] = timeNs;
        _order.Enqueue((netns, id, timeNs));
        if (_order.Count > 4 * Capacity)
        {
            Compact();
        }
    }

    /// <summary>The time between the query with this id in this namespace and <paramref name="timeNs"/>; null when no such query is kept.</summary>
    public TimeSpan? Response(ulong netns, int id, ulong timeNs)
    {
        if (!_queries.Remove((netns, id), out var queried))
        {
            return null;
        }
        return TimeSpan.FromTicks((long)((timeNs >= queried ? timeNs - queried : 0) / 100));
    }

    /// <summary>Drops the queue's stale entries (answered queries), so it does not grow with the traffic.</summary>
    private void Compact()
    {
        var live = _order.Where(e => _queries.TryGetValue((e.Netns, e.Id), out var time) && time == e.Time).ToList();
        _order.Clear();
        foreach (var entry in live)
        {
            _order.Enqueue(entry);
        }
    }
}
