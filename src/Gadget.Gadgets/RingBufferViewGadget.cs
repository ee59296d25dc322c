using Gadget.Bpf;

namespace Gadget.Gadgets;

/// <summary>
/// A <see cref="RingBufferGadget{TEvent}"/> whose records can also be read in place (execsnoop, exitsnoop, sigsnoop,
/// mountsnoop): <see cref="WaitAsync"/> + <see cref="Consume{THandler}(ref THandler)"/> hand a <typeparamref name="TView"/>
/// over the ring buffer's bytes to a handler, without copying or allocating; the view's <c>ToEvent()</c> makes the
/// <typeparamref name="TEvent"/> <see cref="RingBufferGadget{TEvent}.ReadAsync"/> would have given. Use one way of reading
/// or the other, not both. It cannot be derived from outside this library.
/// </summary>
/// <typeparam name="TEvent">The gadget's event type.</typeparam>
/// <typeparam name="TView">The gadget's view of one record (a <c>ref struct</c>).</typeparam>
public abstract class RingBufferViewGadget<TEvent, TView> : RingBufferGadget<TEvent>
    where TEvent : class
    where TView : allows ref struct
{
    // A ring buffer record's header: what a record takes in the ring is it plus the record, 8-byte aligned.
    private const int RecordHeader = 8;

    // The shortest record a view can be made of; a shorter one is skipped.
    private readonly int _minRecordLength;

    private protected RingBufferViewGadget(GadgetRuntime runtime, int minRecordLength)
        : base(runtime)
    {
        _minRecordLength = minRecordLength;
    }

    /// <summary>
    /// Completes when records are waiting to be read with <see cref="Consume{THandler}(ref THandler)"/>: the
    /// allocation-free way to read the gadget, instead of <see cref="RingBufferGadget{TEvent}.ReadAsync"/> (use one or the
    /// other, not both). Typical loop: <c>while (await gadget.WaitAsync(ct)) gadget.Consume(ref handler);</c>. One wait at a time.
    /// </summary>
    /// <returns><c>true</c> when records are waiting; <c>false</c> once the gadget is disposed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return Runtime.Reader.WaitAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return new ValueTask<bool>(false);
        }
    }

    /// <summary>
    /// Hands every record waiting now to <paramref name="handler"/>, in place in the ring buffer (no copy, no
    /// allocation), and returns without waiting. Then raises <see cref="RingBufferGadget{TEvent}.EventsLost"/> when the
    /// kernel dropped events, as <see cref="RingBufferGadget{TEvent}.ReadAsync"/> does: it reads the kernel's counter only
    /// after a batch large enough to follow a drop, or a second after its last read, so a drop is reported with the batch
    /// that follows it, or (rarely, when the count lands after that batch was read) up to a second later.
    /// </summary>
    /// <typeparam name="THandler">The handler, a struct: the call is specialized for it.</typeparam>
    /// <param name="handler">Receives each record; by reference, so its state is updated in place.</param>
    /// <returns>The number of records handed out.</returns>
    /// <exception cref="ObjectDisposedException">The gadget is disposed.</exception>
    public int Consume<THandler>(ref THandler handler)
        where THandler : IEventViewHandler<TView>
    {
        var adapter = new ViewHandler<THandler>(this, ref handler);
        Runtime.Reader.Consume(ref adapter);
        Runtime.AfterBatch(adapter.Count, adapter.Bytes, adapter.MaxRecord);
        return adapter.Count;
    }

    /// <summary>The view of one record of at least the length the constructor was given.</summary>
    private protected abstract TView View(ReadOnlySpan<byte> record);

    /// <summary>The event of a view: its <c>ToEvent()</c>.</summary>
    private protected abstract TEvent ToEvent(in TView view);

    private protected sealed override TEvent? Decode(ReadOnlySpan<byte> record) => record.Length < _minRecordLength ? null : ToEvent(View(record));

    // Counts what ReadAsync's batches count (GadgetRuntime.BatchHandler): the bytes the records took in the ring and the
    // largest, at least GadgetRuntime.MinMaxRecord.
    private ref struct ViewHandler<THandler>(RingBufferViewGadget<TEvent, TView> gadget, ref THandler handler) : IRingBufferHandler
        where THandler : IEventViewHandler<TView>
    {
        private readonly ref THandler _handler = ref handler;

        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public int MaxRecord { get; private set; } = GadgetRuntime.MinMaxRecord;

        public void OnRecord(int ring, ReadOnlySpan<byte> record)
        {
            var size = RecordHeader + ((record.Length + 7) & ~7);
            Bytes += size;
            MaxRecord = Math.Max(MaxRecord, size);
            if (record.Length >= gadget._minRecordLength)
            {
                Count++;
                var view = gadget.View(record);
                _handler.OnEvent(in view);
            }
        }
    }
}
