namespace Gadget.Gadgets;

/// <summary>
/// What every event gadget is (execsnoop, opensnoop, sigsnoop, oomkill, tcpconnect, tcpaccept): started by its own
/// <c>Start(GadgetOptions)</c>, it streams its events until canceled or disposed, counts what the kernel dropped, and
/// detaches its programs when disposed. A tool written against this interface runs any of them.
/// </summary>
/// <typeparam name="TEvent">The gadget's event type.</typeparam>
public interface IGadget<out TEvent> : IAsyncDisposable, IDisposable
    where TEvent : class
{
    /// <summary>Events the kernel dropped because the ring buffer was full.</summary>
    ulong LostEvents { get; }

    /// <summary>
    /// Raised while <see cref="ReadAsync"/> runs, on the thread reading, when the kernel dropped events because the ring
    /// buffer was full (after the batch read at that wake-up has been handed out).
    /// </summary>
    event EventHandler<EventsLostEventArgs>? EventsLost;

    /// <summary>The events as they arrive, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    IAsyncEnumerable<TEvent> ReadAsync(CancellationToken cancellationToken = default);
}
