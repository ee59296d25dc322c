using System.Runtime.CompilerServices;
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
/// One thread at a time may consume (<c>Consume</c>, <c>Poll</c>, <c>WaitAsync</c>, <c>ReadAvailable</c>).
/// <see cref="Dispose"/> and cancellation may come from any thread: a blocked <c>Poll</c> returns 0 and a pending
/// <c>WaitAsync</c> completes with <c>false</c>; memory is unmapped only after the last such call has returned.
/// </para>
/// </remarks>
public sealed unsafe class RingBufferReader : IDisposable
{
    private const uint BusyBit = 1u << 31;
    private const uint DiscardBit = 1u << 30;
    private const uint HeaderSize = 8;
    private const ulong WakeEventData = ulong.MaxValue;
    private const int MaxEvents = 16;

    private readonly RingBufferResources _resources;
    private readonly Lock _gate = new();
    private EpollWaiter? _waiter;
    private int _disposed;

    /// <summary>Creates a reader with no ring buffer yet; add them with <see cref="Add"/>.</summary>
    /// <exception cref="BpfException">The epoll or eventfd descriptor could not be created.</exception>
    public RingBufferReader()
    {
        var epollFd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epollFd < 0)
        {
            throw Errno.ToException(Errno.Last, "create the ring buffer reader's epoll descriptor (epoll_create1)");
        }
        var eventFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (eventFd < 0)
        {
            var errno = Errno.Last;
            Libc.close(epollFd);
            throw Errno.ToException(errno, "create the ring buffer reader's wake-up eventfd");
        }
        var wake = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = WakeEventData };
        if (Libc.epoll_ctl(epollFd, Libc.EPOLL_CTL_ADD, eventFd, &wake) < 0)
        {
            var errno = Errno.Last;
            Libc.close(eventFd);
            Libc.close(epollFd);
            throw Errno.ToException(errno, "add the wake-up eventfd to the ring buffer reader's epoll set");
        }
        _resources = new RingBufferResources(epollFd, eventFd);
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
            return _resources.Rings.Length;
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// How many bytes of ring <paramref name="ring"/> are written but not consumed yet (records with their 8-byte headers,
    /// including records still being written or discarded). Compared with the ring's size, this shows how close the BPF
    /// side is to finding the ring full and losing records.
    /// </summary>
    /// <param name="ring">A ring index returned by <see cref="Add"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">No such ring.</exception>
    public long GetPendingBytes(int ring)
    {
        var resources = Enter();
        try
        {
            var rings = resources.Rings;
            ArgumentOutOfRangeException.ThrowIfNegative(ring);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ring, rings.Length);
            var mapping = rings[ring];
            return (long)(Volatile.Read(ref *mapping.ProducerPosition) - Volatile.Read(ref *mapping.ConsumerPosition));
        }
        finally
        {
            resources.DangerousRelease();
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
        var mapFd = ringBuffer.FileDescriptor;
        lock (_gate)
        {
            var resources = Enter();
            try
            {
                return Map(resources, name, mapFd, size);
            }
            finally
            {
                resources.DangerousRelease();
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
    public int Consume<THandler>(ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        var resources = Enter();
        try
        {
            return ConsumeAll(resources.Rings, ref handler);
        }
        finally
        {
            resources.DangerousRelease();
        }
    }

    /// <summary>Hands every record available now to <paramref name="handler"/> and returns without waiting.</summary>
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
    public int Poll<THandler>(ref THandler handler, int timeoutMilliseconds, CancellationToken cancellationToken = default)
        where THandler : IRingBufferHandler, allows ref struct
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMilliseconds, Timeout.Infinite);
        cancellationToken.ThrowIfCancellationRequested();
        var resources = Enter();
        var registration = default(CancellationTokenRegistration);
        try
        {
            var count = ConsumeAll(resources.Rings, ref handler);
            if (count > 0 || timeoutMilliseconds == 0)
            {
                return count;
            }
            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static state => ((RingBufferReader)state!).Wake(), this);
            }
            var start = Environment.TickCount64;
            var events = stackalloc Libc.EpollEvent[MaxEvents];
            while (true)
            {
                var remaining = timeoutMilliseconds < 0
                    ? Timeout.Infinite
                    : (int)Math.Max(0, timeoutMilliseconds - (Environment.TickCount64 - start));
                var ready = WaitForEvents(resources, events, remaining);
                if (IsDisposed)
                {
                    return 0;
                }
                cancellationToken.ThrowIfCancellationRequested();
                count = ConsumeAll(resources.Rings, ref handler);
                if (count > 0 || ready == 0 || (timeoutMilliseconds >= 0 && Environment.TickCount64 - start >= timeoutMilliseconds))
                {
                    return count;
                }
            }
        }
        finally
        {
            registration.Dispose();
            resources.DangerousRelease();
        }
    }

    /// <summary>
    /// Like <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/> with a <see cref="TimeSpan"/> timeout
    /// (<see cref="Timeout.InfiniteTimeSpan"/> waits without limit).
    /// </summary>
    /// <returns>The number of records handed to the handler; 0 after a timeout or dispose.</returns>
    public int Poll<THandler>(ref THandler handler, TimeSpan timeout, CancellationToken cancellationToken = default)
        where THandler : IRingBufferHandler, allows ref struct =>
        Poll(ref handler, ToMilliseconds(timeout), cancellationToken);

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for records and hands them to <paramref name="handler"/>.</summary>
    /// <returns>The number of records handed to the handler; 0 after a timeout or dispose.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public int Poll(RingBufferRecordHandler handler, int timeoutMilliseconds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateRingBufferHandler(handler);
        return Poll(ref adapter, timeoutMilliseconds, cancellationToken);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for records and hands them to <paramref name="handler"/>.</summary>
    /// <returns>The number of records handed to the handler; 0 after a timeout or dispose.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public int Poll(RingBufferRecordHandler handler, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Poll(handler, ToMilliseconds(timeout), cancellationToken);

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
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }
        var resources = Enter();
        try
        {
            if (HasAvailableData(resources.Rings))
            {
                return new ValueTask<bool>(true);
            }
        }
        finally
        {
            resources.DangerousRelease();
        }
        EpollWaiter waiter;
        lock (_gate)
        {
            ThrowIfDisposed();
            waiter = _waiter ??= new EpollWaiter(
                EpollWaiter.RingBufferThreadName, nameof(RingBufferReader), _resources, _resources.EpollFd, _resources, _resources.EventFd, WakeEventData);
        }
        return waiter.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The records available now, for a <c>foreach</c>: <c>foreach (ReadOnlySpan&lt;byte&gt; record in reader.ReadAvailable())</c>.
    /// Each ring's producer position is read once when the enumeration reaches that ring, so the loop ends even under a
    /// steady stream. A record's span is valid until the next iteration; its space is handed back to the kernel then
    /// (or when the loop ends, also by <c>break</c>: the current record counts as consumed), one record at a time. Does not wait. The ring of the current record is
    /// <see cref="RingBufferRecordEnumerator.Ring"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The reader is disposed (checked when the enumeration starts).</exception>
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
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Wake();
        EpollWaiter? waiter;
        lock (_gate)
        {
            waiter = _waiter;
        }
        waiter?.Stop();
        _resources.Dispose();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (IsDisposed)
        {
            return "RingBufferReader (disposed)";
        }
        var rings = _resources.Rings;
        return $"RingBufferReader ({string.Join(", ", rings.Select(r => $"{r.Index}: '{r.Name}' {r.Size} B"))})";
    }

    /// <summary>Takes a reference on the native resources, so they stay mapped until it is released.</summary>
    internal RingBufferResources Enter()
    {
        ThrowIfDisposed();
        var added = false;
        try
        {
            _resources.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(RingBufferReader));
        }
        return _resources;
    }

    /// <summary>Wakes whoever waits in <c>epoll_wait</c> on this reader (cancellation, dispose). Safe after dispose.</summary>
    internal void Wake()
    {
        var added = false;
        try
        {
            _resources.DangerousAddRef(ref added);
            ulong one = 1;
            Libc.write(_resources.EventFd, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Already released: nobody can be waiting anymore.
        }
        finally
        {
            if (added)
            {
                _resources.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// One <c>epoll_wait</c> (retried on EINTR). Drains the wake-up eventfd when it fired, unless the reader is disposed:
    /// then the eventfd stays readable so every waiter sees it. Returns the number of ready descriptors (0 on timeout).
    /// </summary>
    internal int WaitForEvents(RingBufferResources resources, Libc.EpollEvent* events, int timeoutMilliseconds)
    {
        while (true)
        {
            var ready = Libc.epoll_wait(resources.EpollFd, events, MaxEvents, timeoutMilliseconds);
            if (ready < 0)
            {
                var errno = Errno.Last;
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                throw Errno.ToException(errno, "wait for ring buffer data (epoll_wait)");
            }
            if (!IsDisposed)
            {
                for (var i = 0; i < ready; i++)
                {
                    if (events[i].Data == WakeEventData)
                    {
                        ulong count;
                        Libc.read(resources.EventFd, &count, sizeof(ulong));
                    }
                }
            }
            return ready;
        }
    }

    /// <summary>Whether any ring has unread bytes (records, possibly still busy or discarded).</summary>
    internal static bool HasAvailableData(RingBufferMapping[] rings)
    {
        foreach (var ring in rings)
        {
            if (Volatile.Read(ref *ring.ProducerPosition) != Volatile.Read(ref *ring.ConsumerPosition))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads the length word of the record at <paramref name="position"/>; bit 31 busy, bit 30 discarded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint ReadHeader(RingBufferMapping ring, ulong position, out uint* header)
    {
        header = (uint*)(ring.Data + (position & ring.Mask));
        return Volatile.Read(ref *header);
    }

    /// <summary>The position after a record whose length word is <paramref name="length"/>: header and data, 8-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong NextPosition(ulong position, uint length) =>
        position + (((length & ~(BusyBit | DiscardBit)) + HeaderSize + 7) & ~7u);

    internal static bool IsBusy(uint length) => (length & BusyBit) != 0;

    internal static bool IsDiscarded(uint length) => (length & DiscardBit) != 0;

    internal static ReadOnlySpan<byte> RecordData(uint* header, uint length) =>
        new(header + 2, (int)(length & ~(BusyBit | DiscardBit)));

    private static int ConsumeAll<THandler>(RingBufferMapping[] rings, ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        var total = 0;
        foreach (var ring in rings)
        {
            total += ConsumeRing(ring, ref handler);
        }
        return total;
    }

    private static int ConsumeRing<THandler>(RingBufferMapping ring, ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        try
        {
            return ConsumeRingCore(ring, ref handler);
        }
        catch
        {
            // The handler of the record at consumer_pos threw (all records before it were published as consumed):
            // count that record as consumed too, so it is not delivered again.
            var position = *ring.ConsumerPosition;
            var length = ReadHeader(ring, position, out _);
            if (!IsBusy(length))
            {
                Volatile.Write(ref *ring.ConsumerPosition, NextPosition(position, length));
            }
            throw;
        }
    }

    private static int ConsumeRingCore<THandler>(RingBufferMapping ring, ref THandler handler)
        where THandler : IRingBufferHandler, allows ref struct
    {
        var consumerPosition = ring.ConsumerPosition;
        var producerPosition = ring.ProducerPosition;
        var data = ring.Data;
        var mask = ring.Mask;
        var index = ring.Index;
        var consumer = *consumerPosition; // only this reader writes it
        var count = 0;
        while (true)
        {
            var producer = Volatile.Read(ref *producerPosition);
            if (consumer >= producer)
            {
                return count;
            }
            do
            {
                var header = (uint*)(data + (consumer & mask));
                var length = Volatile.Read(ref *header);
                if ((length & BusyBit) != 0)
                {
                    return count; // reserved, not submitted yet: later records must wait for it
                }
                var recordLength = length & ~DiscardBit;
                if ((length & DiscardBit) == 0)
                {
                    handler.OnRecord(index, new ReadOnlySpan<byte>(header + 2, (int)recordLength));
                    count++;
                }
                consumer += (recordLength + HeaderSize + 7) & ~7u;
                Volatile.Write(ref *consumerPosition, consumer); // release: the kernel may reuse the record's space now
            }
            while (consumer < producer);
        }
    }

    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.Infinite;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
    }

    private int Map(RingBufferResources resources, string name, int mapFd, ulong size)
    {
        var pageSize = (nuint)Environment.SystemPageSize;
        var fd = Libc.fcntl(mapFd, Libc.F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Errno.ToException(Errno.Last, $"duplicate the descriptor of ring buffer '{name}'");
        }
        var consumerPage = Libc.mmap(0, pageSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (consumerPage == Libc.MapFailed)
        {
            var errno = Errno.Last;
            Libc.close(fd);
            throw Errno.ToException(errno, $"map the consumer page of ring buffer '{name}' (mmap)");
        }
        var producerLength = pageSize + (nuint)(2 * size);
        var producerPage = Libc.mmap(0, producerLength, Libc.PROT_READ, Libc.MAP_SHARED, fd, (long)pageSize);
        if (producerPage == Libc.MapFailed)
        {
            var errno = Errno.Last;
            Libc.munmap(consumerPage, pageSize);
            Libc.close(fd);
            throw Errno.ToException(errno, $"map the producer page and data ({size} B, mapped twice) of ring buffer '{name}' (mmap)");
        }
        var index = resources.Rings.Length;
        var ring = new RingBufferMapping(index, name, fd, (byte*)consumerPage, (byte*)producerPage, pageSize, size);
        var ready = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = (ulong)index };
        if (Libc.epoll_ctl(resources.EpollFd, Libc.EPOLL_CTL_ADD, fd, &ready) < 0)
        {
            var errno = Errno.Last;
            ring.Release();
            throw Errno.ToException(errno, $"add ring buffer '{name}' to the reader's epoll set");
        }
        resources.AddRing(ring);
        return index;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);
}
