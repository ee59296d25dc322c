using System.Runtime.CompilerServices;
using Gadget.Gadgets;

namespace Gadget.Agent;

/// <summary>
/// A top gadget (<see cref="TcpTop"/>, <see cref="FileTop"/>: a table per interval) seen as an event gadget, so that a
/// <see cref="GadgetFeed"/> streams it like the others: each interval's rows, in the table's order, are the events. The
/// kernel side of a top gadget does not lose events to a full ring (it counts dropped map updates instead): no
/// <c>lost</c> records.
/// </summary>
/// <typeparam name="TSnapshot">The gadget's table type.</typeparam>
/// <typeparam name="TRow">One row as the schema writes it.</typeparam>
internal sealed class IntervalRows<TSnapshot, TRow> : IGadget<TRow>
    where TRow : class
{
    private readonly IAsyncDisposable _gadget;
    private readonly Func<CancellationToken, IAsyncEnumerable<TSnapshot>> _read;
    private readonly Func<TSnapshot, IEnumerable<TRow>> _rows;

    /// <summary>Wraps a started top gadget: <paramref name="read"/> is its ReadAsync, <paramref name="rows"/> splits a table into rows.</summary>
    public IntervalRows(IAsyncDisposable gadget, Func<CancellationToken, IAsyncEnumerable<TSnapshot>> read, Func<TSnapshot, IEnumerable<TRow>> rows)
    {
        _gadget = gadget;
        _read = read;
        _rows = rows;
    }

    /// <summary>Always 0: see the class remarks.</summary>
    public ulong LostEvents => 0;

    /// <summary>Never raised: see the class remarks.</summary>
    public event EventHandler<EventsLostEventArgs>? EventsLost
    {
        add { }
        remove { }
    }

    /// <summary>Every interval's rows, until canceled or disposed.</summary>
    public async IAsyncEnumerable<TRow> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var snapshot in _read(cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in _rows(snapshot))
            {
                yield return row;
            }
        }
    }

    /// <summary>Detaches the gadget's programs.</summary>
    public void Dispose() => _gadget.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Detaches the gadget's programs.</summary>
    public ValueTask DisposeAsync() => _gadget.DisposeAsync();
}
