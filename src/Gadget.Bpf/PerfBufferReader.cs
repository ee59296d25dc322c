using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Bpf;

/// <summary>
/// Reads a <see cref="BpfMapType.PerfEventArray"/> map as a stream: opens one BPF output perf event per CPU, maps its ring,
/// stores the event in the map at the CPU's index (so that <c>bpf_perf_event_output(ctx, &amp;map, BPF_F_CURRENT_CPU, ...)</c>
/// writes there) and hands the records to a handler without copying them.
/// </summary>
/// <remarks>
/// <para><see cref="Consume{THandler}(ref THandler)"/> reads what is there, <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>
/// waits for records first, <see cref="WaitAsync"/> waits without blocking a thread. Records are delivered CPU by CPU, oldest first within a CPU.
/// When a ring is full the kernel drops records and later reports how many (<see cref="LostRecords"/>, <see cref="IPerfBufferHandler.OnLost"/>).
/// For a flight recorder that keeps the newest records and is read on demand, see <see cref="PerfFlightRecorder"/>.</para>
/// <para>The space of the records read is handed back to the kernel (<c>data_tail</c>, a release store) once per CPU ring and
/// call, after the last record of that ring was handled, as libbpf's consumer does: until then the kernel cannot reuse it,
/// so a slow handler holds back the space of the whole batch of its ring. A record whose handler throws counts as consumed:
/// its space is handed back with the others, the exception propagates, and the next call continues after that record.</para>
/// <para>One thread at a time may consume (<c>Consume</c>, <c>Poll</c>, <c>WaitAsync</c>): a <c>Consume</c> or <c>Poll</c> made while
/// another runs, on another thread or from one of its handlers, throws <see cref="InvalidOperationException"/>. <see cref="Dispose"/> and <see cref="Wake"/>
/// may be called from any thread, also while another thread is blocked in <c>Poll</c> or from inside a handler: the rings are
/// unmapped only after the last reading call has returned.</para>
/// <para>A map has one set of rings at a time: a newer reader (or <see cref="PerfFlightRecorder"/>) of the same map takes its
/// slots over, and disposing the older reader then leaves the newer one's rings in the map.</para>
/// </remarks>
public sealed unsafe class PerfBufferReader : IDisposable
{
    private readonly BpfMap _map;
    private readonly PerfCpuRing[] _rings;
    private readonly ReaderPoller _poller;
    // Pinned (pinned object heap), allocated once per reader: a copy of a record that wraps around the ring's end.
    private readonly byte[] _scratchArray;
    private readonly byte* _scratch;
    private readonly int _scratchSize;
    private long _lostRecords;
    // Where the current Consume has read a ring to (the position after the last record handed out), stored in data_tail
    // once per ring and batch; kept here and not in a local so that it survives a handler's exception.
    private ulong _consumedTo;
    // The ring ReadSamples reads: its data area, the mask of its size, its CPU.
    private byte* _readData;
    private ulong _readMask;
    private int _readCpu;

    // A sample's data follows its header and its u32 size.
    private const uint SampleDataOffset = PerfAbi.PerfEventHeaderSize + sizeof(uint);

    /// <summary>Opens the per-CPU rings for <paramref name="map"/> and stores them in it.</summary>
    /// <param name="map">A loaded <see cref="BpfMapType.PerfEventArray"/> map, from a <see cref="BpfObject"/> or <see cref="BpfMap.Create"/>.</param>
    /// <param name="options">Ring size and wake-up policy; <c>null</c> for the defaults.</param>
    /// <exception cref="ArgumentException">The map is not a perf event array, or the page count is not a power of two.</exception>
    /// <exception cref="BpfException">A perf event could not be opened, mapped or stored in the map; the message says which CPU.</exception>
    public PerfBufferReader(BpfMap map, PerfBufferOptions? options = null)
    {
        options ??= new PerfBufferOptions();
        PerfCpuRings.Validate(map, nameof(PerfBufferReader), options.PageCount, $"{nameof(PerfBufferOptions)}.{nameof(PerfBufferOptions.PageCount)}", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WakeupEvents, nameof(options) + "." + nameof(options.WakeupEvents));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WakeupWatermarkBytes, nameof(options) + "." + nameof(options.WakeupWatermarkBytes));

        _map = map;
        _poller = ReaderPoller.Create(nameof(PerfBufferReader), EpollWaiter.PerfBufferThreadName);
        try
        {
            _rings = PerfCpuRings.Open(map, options.PageCount, backward: false, options.WakeupEvents, options.WakeupWatermarkBytes, out var offline);
            OfflineCpus = offline;
        }
        catch
        {
            _poller.Shutdown();
            throw;
        }
        foreach (var ring in _rings)
        {
            _poller.Own(ring);
        }
        try
        {
            foreach (var ring in _rings)
            {
                _poller.Add(ring.Fd, (ulong)ring.Cpu, $"the perf event of CPU {ring.Cpu}");
            }
        }
        catch
        {
            PerfCpuRings.RemoveFromMap(map, _rings);
            _poller.Shutdown();
            throw;
        }
        RingSize = (int)_rings[0].Memory.Size;
        _scratchSize = Math.Min(PerfRingParser.MaxRecordSize, RingSize);
        _scratchArray = GC.AllocateUninitializedArray<byte>(_scratchSize, pinned: true);
        _scratch = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratchArray));
        Cpus = Array.AsReadOnly(_rings.Select(r => r.Cpu).ToArray());
    }

    /// <summary>The CPUs that have a ring (their indexes in the map), ascending.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>Possible CPUs that were skipped because they were offline when the reader was created.</summary>
    public IReadOnlyList<int> OfflineCpus { get; }

    /// <summary>Size of each CPU's data area in bytes (<see cref="PerfBufferOptions.PageCount"/> pages).</summary>
    public int RingSize { get; }

    /// <summary>
    /// Records the kernel dropped because a ring was full, summed over all <c>PERF_RECORD_LOST</c> records read so far.
    /// The kernel reports a loss when it next manages to write into that CPU's ring.
    /// </summary>
    public long LostRecords => Volatile.Read(ref _lostRecords);

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _poller.IsShutDown;

    /// <summary>
    /// Reads every record now in the rings, without waiting, and hands each to <paramref name="handler"/>.
    /// Records come CPU by CPU, oldest first within each CPU.
    /// </summary>
    /// <typeparam name="THandler">A struct handler; the call is specialized for it.</typeparam>
    /// <param name="handler">Receives the records; passed by reference so its state is updated in place.</param>
    /// <returns>The number of records delivered (losses not counted).</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another consuming call of this reader is running (on another thread, or this is one of its handlers).</exception>
    public int Consume<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        _poller.EnterConsumer();
        try
        {
            return ConsumeAll(ref handler);
        }
        finally
        {
            _poller.ExitConsumer();
        }
    }

    /// <summary>Reads every record now in the rings, without waiting (see <see cref="Consume{THandler}(ref THandler)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="lost">Called for each loss report; <c>null</c> to only count them in <see cref="LostRecords"/>.</param>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    public int Consume(PerfRecordHandler handler, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegatePerfBufferHandler(handler, lost);
        return Consume(ref adapter);
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for records (or returns at once if some are there), then reads
    /// everything in the rings, as <see cref="Consume{THandler}(ref THandler)"/> does. Records below the wake-up threshold are read
    /// when the timeout ends. Returns early with 0 after <see cref="Wake"/> or <see cref="Dispose"/> from another thread.
    /// </summary>
    /// <param name="handler">Receives the records.</param>
    /// <param name="timeoutMilliseconds">How long to wait at most: 0 does not wait, -1 (<see cref="Timeout.Infinite"/>) waits until records arrive.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered; 0 after a timeout, a wake-up or disposal.</returns>
    /// <exception cref="ObjectDisposedException">The reader was disposed before the call.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="InvalidOperationException">Another consuming call of this reader is running (on another thread, or this is one of its handlers).</exception>
    public int Poll<THandler>(ref THandler handler, int timeoutMilliseconds, CancellationToken cancellationToken = default)
        where THandler : IPerfBufferHandler
    {
        PollWait.Validate(timeoutMilliseconds, nameof(timeoutMilliseconds));
        cancellationToken.ThrowIfCancellationRequested();
        _poller.EnterConsumer();
        try
        {
            var lostBefore = _lostRecords;
            var count = ConsumeAll(ref handler);
            if (count > 0 || _lostRecords != lostBefore || timeoutMilliseconds == 0)
            {
                return count;
            }
            using var wait = new PollWait(_poller, timeoutMilliseconds, cancellationToken);
            while (wait.Next(out var last))
            {
                lostBefore = _lostRecords;
                count = ConsumeAll(ref handler);
                if (count > 0 || _lostRecords != lostBefore || last)
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

    /// <summary>Waits up to <paramref name="timeout"/> for records, then reads them (see <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>).</summary>
    /// <param name="handler">Receives the records.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> waits until records arrive.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered; 0 after a timeout, a wake-up or disposal.</returns>
    public int Poll<THandler>(ref THandler handler, TimeSpan timeout, CancellationToken cancellationToken = default)
        where THandler : IPerfBufferHandler => Poll(ref handler, PollWait.ToMilliseconds(timeout, nameof(timeout)), cancellationToken);

    /// <summary>Waits for records and reads them (see <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="timeoutMilliseconds">How long to wait at most: 0 does not wait, -1 waits until records arrive.</param>
    /// <param name="lost">Called for each loss report; <c>null</c> to only count them in <see cref="LostRecords"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered.</returns>
    public int Poll(PerfRecordHandler handler, int timeoutMilliseconds, PerfLostHandler? lost = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegatePerfBufferHandler(handler, lost);
        return Poll(ref adapter, timeoutMilliseconds, cancellationToken);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for records and reads them (see <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> waits until records arrive.</param>
    /// <param name="lost">Called for each loss report; <c>null</c> to only count them in <see cref="LostRecords"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered.</returns>
    public int Poll(PerfRecordHandler handler, TimeSpan timeout, PerfLostHandler? lost = null, CancellationToken cancellationToken = default) =>
        Poll(handler, PollWait.ToMilliseconds(timeout, nameof(timeout)), lost, cancellationToken);

    /// <summary>
    /// Waits until records may be available: completes at once with <c>true</c> when a ring already holds some, otherwise
    /// when the kernel signals records (per <see cref="PerfBufferOptions.WakeupEvents"/>) or <see cref="Wake"/> is called.
    /// Completes with <c>false</c> when the reader is disposed. Then call <see cref="Consume{THandler}(ref THandler)"/>.
    /// </summary>
    /// <remarks>
    /// The wait runs on one background thread per reader (started by the first call that has to wait, ended by <see cref="Dispose"/>),
    /// not on a thread-pool thread. The continuation of a wait that had to block runs inline on that thread (unless a captured
    /// <see cref="SynchronizationContext"/> takes it), so a loop <c>while (await reader.WaitAsync(ct)) reader.Consume(...)</c> costs one
    /// thread wake-up per kernel notification, as a C tool's <c>epoll_wait</c> loop does. Do not block that thread on the reader's next
    /// <c>WaitAsync</c> (<c>.AsTask().Wait()</c>): nothing would be left to complete it. Only one wait may be pending at a time.
    /// Allocation-free after the first call, except for the exception of a canceled wait.
    /// </remarks>
    /// <param name="cancellationToken">Cancels the wait (the task then throws <see cref="OperationCanceledException"/>).</param>
    /// <returns><c>true</c> when records may be available; <c>false</c> when the reader was disposed during the wait.</returns>
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
            foreach (var ring in _rings)
            {
                var memory = ring.Memory;
                if (memory.Head != memory.Tail)
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

    /// <summary>Makes a blocked <c>Poll</c> return (with 0) and a pending <see cref="WaitAsync"/> complete with <c>true</c>. Does nothing after <see cref="Dispose"/>.</summary>
    public void Wake()
    {
        if (IsDisposed)
        {
            return;
        }
        _poller.RequestWake();
        _poller.Wake();
    }

    /// <summary>
    /// Removes the rings from the map (the kernel stops writing to them), wakes a blocked <c>Poll</c> (it returns 0) and a
    /// pending <see cref="WaitAsync"/> (it completes with <c>false</c>), and unmaps the rings and closes the perf events once
    /// no reading call uses them anymore (a <c>Consume</c> whose handler disposes the reader stops after that record).
    /// Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_poller.Shutdown())
        {
            PerfCpuRings.RemoveFromMap(_map, _rings);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Perf buffer of map '{_map.Name}' ({Cpus.Count} CPUs x {RingSize} bytes)";

    private int ConsumeAll<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        var count = 0;
        foreach (var ring in _rings)
        {
            count += ConsumeRing(ring, ref handler);
            if (IsDisposed)
            {
                break;
            }
        }
        return count;
    }

    private int ConsumeRing<THandler>(PerfCpuRing ring, ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        var memory = ring.Memory;
        var head = memory.Head; // acquire, once per batch (as libbpf): the records up to it are complete
        var tail = memory.Tail;
        if (tail == head)
        {
            return 0;
        }
        _consumedTo = tail;
        try
        {
            return ReadRecords(ring, tail, head, ref handler);
        }
        finally
        {
            // Release, once per batch (as libbpf): the kernel may reuse the space of every record before it, including
            // that of a record whose handler threw (it counts as consumed and is not delivered again).
            memory.Tail = _consumedTo;
        }
    }

    // Reads one ring from tail to head: whole samples in place go through the hot loop (ReadSamples); anything else (a record
    // wrapping around the ring's end, a loss report, a malformed or impossible record) is handled here, one at a time.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadRecords<THandler>(PerfCpuRing ring, ulong tail, ulong head, ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        var memory = ring.Memory;
        _readData = memory.Data;
        _readMask = memory.Mask;
        _readCpu = ring.Cpu;
        var count = 0;
        while (true)
        {
            var (next, samples) = ReadSamples(tail, head, ref handler);
            tail = next;
            count += samples;
            if (tail == head || IsDisposed)
            {
                return count;
            }
            var offset = tail & memory.Mask;
            var record = memory.Data + offset;
            var size = PerfRingParser.RecordSize(record);
            if (size < PerfAbi.PerfEventHeaderSize || size > head - tail)
            {
                DropCorruptRing(ring, size, tail, head);
                _consumedTo = head;
                return count;
            }
            if (offset + size > memory.Size)
            {
                record = PerfRingParser.CopyWrapped(memory, offset, size, _scratch, _scratchSize);
                if (record is null)
                {
                    DropCorruptRing(ring, size, tail, head);
                    _consumedTo = head;
                    return count;
                }
            }
            tail += size;
            _consumedTo = tail; // before the handler: a record whose handler throws counts as consumed
            switch (PerfRingParser.Parse(record, size, out var sample, out var lost))
            {
                case PerfRecordKind.Sample:
                    handler.OnRecord(ring.Cpu, sample);
                    count++;
                    break;
                case PerfRecordKind.Lost:
                    Interlocked.Add(ref _lostRecords, (long)lost);
                    BpfMetrics.PerfRecordsLost(_map.Name, lost);
                    handler.OnLost(ring.Cpu, lost);
                    break;
                case PerfRecordKind.Malformed:
                    _map.Logger?.LogWarning(
                        "Perf buffer of map '{Map}', CPU {Cpu}: skipped a sample whose raw size exceeds its record ({Size} bytes).", _map.Name, ring.Cpu, size);
                    break;
            }
            if (tail == head || IsDisposed)
            {
                return count;
            }
        }
    }

    // The hot loop: whole samples in place, nothing else. Per sample it reads the 8-byte header (type in the low 32 bits,
    // size in the high 16), checks that the record is a sample that neither wraps around the ring's end nor claims more
    // than its record, notes the position after it (consumedTo: before the handler, so a record whose handler throws counts
    // as consumed) and calls the handler. It stops at head, at disposal, or before any other record (left to the caller).
    // No call but the handler's, no exception handling, no local whose address is taken: the loop's variables stay in
    // registers. With them in memory (an address-taken tail, a try/finally, slow paths' calls in the same loop), every
    // sample paid store-to-load round trips: the nanosecond the reader was behind libbpf's loop (benchmarks/README.md),
    // worst in the on-stack-replacement code the JIT runs a long call in before the method is recompiled at tier 1.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private (ulong Tail, int Count) ReadSamples<THandler>(ulong tail, ulong head, ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        // The ring's data, mask and CPU are read from fields, not kept in registers: with a handler that is not inlined
        // (a delegate), only five values can live across its call in callee-saved registers (this, tail, head, handler and
        // the count); more, and some are spilled and reloaded around every call.
        var count = 0;
        while (tail != head && !_poller.IsShutDown)
        {
            var offset = tail & _readMask;
            var record = _readData + offset;
            var header = *(ulong*)record;
            var size = (uint)(header >> 48);
            uint rawSize;
            if ((uint)header != PerfAbi.PERF_RECORD_SAMPLE || size < SampleDataOffset || size > head - tail
                || offset + size - 1 > _readMask
                || (rawSize = *(uint*)(record + PerfAbi.PerfEventHeaderSize)) > size - SampleDataOffset)
            {
                break;
            }
            tail += size;
            _consumedTo = tail;
            handler.OnRecord(_readCpu, MemoryMarshal.CreateReadOnlySpan(ref record[SampleDataOffset], (int)rawSize));
            count++;
        }
        return (tail, count);
    }

    private void DropCorruptRing(PerfCpuRing ring, uint size, ulong tail, ulong head) =>
        _map.Logger?.LogWarning(
            "Perf buffer of map '{Map}', CPU {Cpu}: found a record of impossible size {Size}; dropped the ring's {Bytes} unread bytes.",
            _map.Name, ring.Cpu, size, head - tail);
}
