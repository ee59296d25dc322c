namespace Gadget.Gadgets;

/// <summary>
/// The shell every event gadget shares (execsnoop, opensnoop, exitsnoop, sigsnoop, mountsnoop, bindsnoop, oomkill,
/// capable, tcpconnect, tcpaccept, tcpretrans, tcpdrop, trace dns): its events read from a BPF ring buffer, the count of
/// those the kernel dropped, and the release of its kernel objects. Each gadget adds its own <c>Start</c> factory (which
/// loads and attaches its programs) and its record decoder; it cannot be derived from outside this library.
/// </summary>
/// <typeparam name="TEvent">The gadget's event type.</typeparam>
public abstract class RingBufferGadget<TEvent> : IGadget<TEvent>
    where TEvent : class
{
    private protected RingBufferGadget(GadgetRuntime runtime)
    {
        Runtime = runtime;
        runtime.Owner = this;
    }

    /// <summary>Events the kernel dropped because the ring buffer was full.</summary>
    public ulong LostEvents => Runtime.LostEvents;

    /// <summary>
    /// Raised while <see cref="ReadAsync"/> runs, on the thread reading, when the kernel dropped events because the ring
    /// buffer was full: after the batch that follows the drop has been handed out (the kernel's counter is read after a
    /// batch large enough to follow a drop, or a second after its last read, not at every wake-up; so, rarely, when the
    /// count lands after that batch was read, up to a second later). No allocation unless events were lost.
    /// </summary>
    public event EventHandler<EventsLostEventArgs>? EventsLost
    {
        add => Runtime.EventsLost += value;
        remove => Runtime.EventsLost -= value;
    }

    /// <summary>The loaded programs, the ring buffer and its reader, the container lookups.</summary>
    private protected GadgetRuntime Runtime { get; }

    /// <summary>The events as they arrive, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    /// <remarks>One enumeration at a time: a second one would share the ring buffer's records with the first.</remarks>
    public IAsyncEnumerable<TEvent> ReadAsync(CancellationToken cancellationToken = default) => Runtime.ReadAsync(Decode, cancellationToken);

    /// <summary>Detaches the programs, frees the kernel objects and ends <see cref="ReadAsync"/>. Idempotent.</summary>
    public void Dispose() => Runtime.Dispose();

    /// <summary>Detaches the programs, frees the kernel objects and ends <see cref="ReadAsync"/>. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        Runtime.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The event in one ring buffer record, or null to skip the record.</summary>
    private protected abstract TEvent? Decode(ReadOnlySpan<byte> record);
}
