using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// Reads BPF ring buffers (<c>BPF_MAP_TYPE_RINGBUF</c>) without copying: the reader maps the kernel's ring buffer pages
/// into this process and hands every record to you as a <see cref="ReadOnlySpan{T}"/> over that memory. One reader can
/// read several ring buffers (<see cref="Add"/>), waiting on all of them with one epoll descriptor.
/// </summary>
/// <remarks>
/// <para>
/// Reading a record: <see cref="Consume{THandler}(ref THandler)"/> (no wait), <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>
/// (waits up to a timeout), <see cref="WaitAsync"/> (waits without blocking a thread, then consume), or
/// <see cref="ReadAvailable"/> (a <c>foreach</c> over the records available now). A struct implementing
/// <see cref="IRingBufferHandler"/> is the fastest path: no delegate call and no allocation per record.
/// </para>
/// <para>
/// The space of a record is handed back to the kernel (<c>consumer_pos</c> is advanced with a release store) right after
/// the record's handler returns, one record at a time, so a slow handler does not hold back the whole batch. A record
/// whose handler throws counts as consumed: the exception propagates and the next call continues after that record.
/// Records the BPF program discarded (<c>bpf_ringbuf_discard</c>) are skipped; reading stops at a record that is
/// reserved but not submitted yet.
/// </para>
/// <para>
/// The kernel does not count records a BPF program failed to reserve because the ring was full
/// (<c>bpf_ringbuf_reserve</c> returned NULL, <c>bpf_ringbuf_output</c> returned <c>-EAGAIN</c>); a program that cares
/// must count them itself, e.g. in a global variable, and the reader cannot report them.
/// </para>
/// <para>
/// One thread at a time may consume (<c>Consume</c>, <c>Poll</c>, <c>WaitAsync</c>, <c>ReadAvailable</c>): a consuming call made
/// while another runs, on another thread or from one of its record handlers, throws <see cref="InvalidOperationException"/>.
/// <see cref="Dispose"/> and cancellation may come from any thread: a blocked <c>Poll</c> returns 0 and a pending
/// <c>WaitAsync</c> completes with <c>false</c>; memory is unmapped only after the last such call has returned.
/// </para>
/// </remarks>
public sealed class RingBufferReader : IDisposable
{
    private readonly ReaderPoller _poller;
    private readonly Lock _addGate = new();
    private RingBufferMapping[] _rings = [];

    /// <summary>Creates a reader with no ring buffer yet; add them with <see cref="Add"/>.</summary>
    /// <exception cref="BpfException">The epoll or eventfd descriptor could not be created.</exception>
    public RingBufferReader()
    {
        _poller = ReaderPoller.Create(nameof(RingBufferReader), EpollWaiter.RingBufferThreadName);
    }

    /// <summary>Creates a reader of one ring buffer (ring index 0).</summary>
    /// <param name="ringBuffer">A map of type <see cref="BpfMapType.RingBuffer"/>.</param>
    /// <exception cref="ArgumentException">The map is not a ring buffer.</exception>
    public RingBufferReader(BpfMap ringBuffer)
        : this()
    {
        try
        {
            Add(ringBuffer);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>How many ring buffers this reader reads.</summary>
    public int RingCount
    {
        get
        {
            ThrowIfDisposed();
            return Rings.Length;
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _poller.IsShutDown;

    /// <summary>The mapped rings; replaced as a whole when a ring is added, so calls take a snapshot without locks.</summary>
    internal RingBufferMapping[] Rings => Volatile.Read(ref _rings);

    /// <summary>
    /// How many bytes of ring <paramref name="ring"/> are written but not consumed yet (records with their 8-byte headers,
    /// including records still being written or discarded). Compared with the ring's size, this shows how close the BPF
    /// side is to finding the ring full and losing records.
    /// </summary>
    /// <param name="ring">A ring index returned by <see cref="Add"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">No such ring.</exception>
    public long GetPendingBytes(int ring)
    {
        _poller.Enter();
        try
        {
            var rings = Rings;
            ArgumentOutOfRangeException.ThrowIfNegative(ring);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ring, rings.Length);
            return RingBufferParser.PendingBytes(rings[ring].Memory);
        }
        finally
        {
            _poller.Exit();
        }
    }

    /// <summary>
    /// Adds a ring buffer: maps its consumer page (read-write) and its producer page and data (read-only, data mapped
    /// twice) and adds it to the epoll set. The reader keeps its own duplicate of the map's descriptor, so the map stays
    /// readable even if its <see cref="BpfObject"/> is disposed first.
    /// </summary>
    /// <param name="ringBuffer">A map of type <see cref="BpfMapType.RingBuffer"/> (of a loaded object, created, or opened from a pin).</param>
    /// <returns>The ring's index, passed to <see cref="IRingBufferHandler.OnRecord"/> with each of its records: 0, 1, 2... in the order added.</returns>
    /// <exception cref="ArgumentException">The map is not a <see cref="BpfMapType.RingBuffer"/> map.</exception>
    /// <exception cref="BpfException">Mapping the ring buffer or adding it to the epoll set failed.</exception>
    public int Add(BpfMap ringBuffer)
    {
        ArgumentNullException.ThrowIfNull(ringBuffer);
        var type = ringBuffer.Type;
        if (type != BpfMapType.RingBuffer)
        {
            throw new ArgumentException(
                $"Map '{ringBuffer.Name}' is a {type} map; a RingBufferReader reads only RingBuffer (BPF_MAP_TYPE_RINGBUF) maps.",
                nameof(ringBuffer));
        }
        var name = ringBuffer.Name;
        var size = (ulong)(uint)ringBuffer.MaxEntries;
        lock (_addGate)
        {
            _poller.Enter();
            try
            {
                var rings = Rings;
                var index = rings.Length;
                RingBufferMapping ring;
                using (var lease = ringBuffer.Lease())
                {
                    ring = RingBufferMapping.Map(index, name, lease.Fd, size); // keeps its own duplicate of the descriptor
                }
                try
                {
                    _poller.Add(ring.Fd, (ulong)index, $"ring buffer '{name}'");
                }
                catch
                {
                    ring.Dispose();
                    throw;
                }
                _poller.Own(ring);
                Volatile.Write(ref _rings, [.. rings, ring]);
                return index;
            }
            finally
            {
                _poller.Exit();
            }
        }
    }

    /// <summary>
    /// Hands every record available now, on every ring, to <paramref name="handler"/> and returns without waiting.
    /// Keeps reading a ring until it is empty (records submitted meanwhile are read too).
    /// </summary>
    /// <typeparam name="THandler">A struct (or ref struct) handler; the call is specialized for it.</typeparam>
    /// <param name="handler">Receives each record; passed by reference so its state (counters...) is updated in place.</param>
    /// <returns>The number of records handed to the handler (discarded records are not counted).</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another consuming call of this reader is running (on another thread, or this is one of its handlers).</exception>
    public int Consume<THandler>(ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        _poller.EnterConsumer();
        try
        {
            return ConsumeAll(Rings, ref handler);
        }
        finally
        {
            _poller.ExitConsumer();
        }
    }

    /// <summary>Hands every record available now to <paramref name="handler"/> and returns without waiting.</summary>
    /// <param name="handler">Receives each record.</param>
    /// <returns>The number of records handed to the handler.</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    public int Consume(RingBufferRecordHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateRingBufferHandler(handler);
        return Consume(ref adapter);
    }

    /// <summary>
    /// Consumes the records available now; if there are none, waits (<c>epoll_wait</c>) until a ring has data, the
    /// timeout passes, <paramref name="cancellationToken"/> is canceled or the reader is disposed, then consumes.
    /// </summary>
    /// <param name="handler">Receives each record.</param>
    /// <param name="timeoutMilliseconds">How long to wait at most: 0 does not wait, -1 (<see cref="Timeout.Infinite"/>) waits without limit.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records handed to the handler; 0 after a timeout, or when the reader was disposed during the wait.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed before the call.</exception>
    /// <exception cref="InvalidOperationException">Another consuming call of this reader is running (on another thread, or this is one of its handlers).</exception>
    public int Poll<THandler>(ref THandler handler, int timeoutMilliseconds, CancellationToken cancellationToken = default)
        where THandler : IRingBufferHandler, allows ref struct
    {
        PollWait.Validate(timeoutMilliseconds, nameof(timeoutMilliseconds));
        cancellationToken.ThrowIfCancellationRequested();
        _poller.EnterConsumer();
        try
        {
            var count = ConsumeAll(Rings, ref handler);
            if (count > 0 || timeoutMilliseconds == 0)
            {
                return count;
            }
            using var wait = new PollWait(_poller, timeoutMilliseconds, cancellationToken);
            while (wait.Next(out var last))
            {
                count = ConsumeAll(Rings, ref handler);
                if (count > 0 || last)
                {
                    return count;
                }
            }
            return 0;
        }
        finally
        {
            _poller.ExitConsumer();
        }
    }

    /// <summary>
    /// Like <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/> with a <see cref="TimeSpan"/> timeout
    /// (<see cref="Timeout.InfiniteTimeSpan"/> waits without limit).
    /// </summary>
    /// <param name="handler">Receives each record.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records handed to the handler; 0 after a timeout or dispose.</returns>
    public int Poll<THandler>(ref THandler handler, TimeSpan timeout, CancellationToken cancellationToken = default)
        where THandler : IRingBufferHandler, allows ref struct =>
        Poll(ref handler, PollWait.ToMilliseconds(timeout, nameof(timeout)), cancellationToken);

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for records and hands them to <paramref name="handler"/>.</summary>
    /// <param name="handler">Receives each record.</param>
    /// <param name="timeoutMilliseconds">How long to wait at most: 0 does not wait, -1 waits without limit.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records handed to the handler; 0 after a timeout or dispose.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public int Poll(RingBufferRecordHandler handler, int timeoutMilliseconds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateRingBufferHandler(handler);
        return Poll(ref adapter, timeoutMilliseconds, cancellationToken);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for records and hands them to <paramref name="handler"/>.</summary>
    /// <param name="handler">Receives each record.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records handed to the handler; 0 after a timeout or dispose.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public int Poll(RingBufferRecordHandler handler, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Poll(handler, PollWait.ToMilliseconds(timeout, nameof(timeout)), cancellationToken);

    /// <summary>
    /// Completes when a ring has data to consume, without blocking a thread-pool thread: the wait runs on one dedicated
    /// background thread per reader (started on first use, stopped by <see cref="Dispose"/>). Completes synchronously
    /// when data is already there. Typical loop: <c>while (await reader.WaitAsync(ct)) reader.Consume(ref handler);</c>
    /// </summary>
    /// <remarks>
    /// The continuation of a wait that had to block runs inline on the waiter thread (unless a captured
    /// <see cref="SynchronizationContext"/> takes it), so a consuming loop like the one above runs there, one thread wake-up
    /// per kernel notification, as a C tool's <c>epoll_wait</c> loop does; when it waits again it returns the thread to
    /// <c>epoll_wait</c>. Do not block that thread on the reader's next <c>WaitAsync</c> (<c>.AsTask().Wait()</c>): nothing
    /// would be left to complete it. Allocation-free, except for the exception of a canceled wait.
    /// </remarks>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><c>true</c> when data is available; <c>false</c> when the reader was disposed during the wait.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed before the call.</exception>
    /// <exception cref="InvalidOperationException">The previous <c>WaitAsync</c> has not been awaited yet.</exception>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken = default)
    {
        _poller.Enter();
        try
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }
            foreach (var ring in Rings)
            {
                if (RingBufferParser.HasData(ring.Memory))
                {
                    return new ValueTask<bool>(true);
                }
            }
        }
        finally
        {
            _poller.Exit();
        }
        return _poller.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The records available now, for a <c>foreach</c>: <c>foreach (ReadOnlySpan&lt;byte&gt; record in reader.ReadAvailable())</c>.
    /// Each ring's producer position is read once when the enumeration reaches that ring, so the loop ends even under a
    /// steady stream. A record's span is valid until the next iteration; its space is handed back to the kernel then
    /// (or when the loop ends, also by <c>break</c>: the current record counts as consumed), one record at a time. Does not wait. The ring of the current record is
    /// <see cref="RingBufferRecordEnumerator.Ring"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The reader is disposed (checked when the enumeration starts).</exception>
    /// <exception cref="InvalidOperationException">When the enumeration starts: another consuming call of this reader is running.</exception>
    public RingBufferRecords ReadAvailable()
    {
        ThrowIfDisposed();
        return new RingBufferRecords(this);
    }

    /// <summary>
    /// Stops the reader: wakes a blocked <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/> (it returns 0)
    /// and a pending <see cref="WaitAsync"/> (it completes with <c>false</c>), stops the waiter thread, and unmaps the rings
    /// and closes the descriptors once no call is using them anymore. Calling it again does nothing.
    /// </summary>
    public void Dispose() => _poller.Shutdown();

    /// <inheritdoc />
    public override string ToString() => IsDisposed
        ? "RingBufferReader (disposed)"
        : $"RingBufferReader ({string.Join(", ", Rings.Select(r => $"{r.Index}: '{r.Name}' {r.Memory.Size} B"))})";

    /// <summary>Starts an enumeration: takes a reference on the rings until the enumerator is disposed.</summary>
    internal RingBufferRecordEnumerator Enumerate()
    {
        _poller.EnterConsumer();
        return new RingBufferRecordEnumerator(_poller, Rings);
    }

    private static int ConsumeAll<THandler>(RingBufferMapping[] rings, ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        var total = 0;
        foreach (var ring in rings)
        {
            total += RingBufferParser.Consume(ring.Memory, ring.Index, ref handler);
        }
        return total;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);
}
