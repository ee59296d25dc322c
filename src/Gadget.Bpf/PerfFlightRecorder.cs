using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gadget.Bpf;

/// <summary>
/// A flight recorder over a <see cref="BpfMapType.PerfEventArray"/> map: one overwritable BPF output perf event per CPU
/// (<c>write_backward</c>, its ring mapped read-only), stored in the map at the CPU's index. The kernel keeps overwriting
/// the oldest records when a ring is full, so the rings always hold the newest records; nothing is consumed, and they are
/// read on demand: <see cref="ReadNewestFirst{THandler}(ref THandler)"/>, <see cref="ReadOldestFirst{THandler}(ref THandler)"/>,
/// <see cref="ReadMergedOldestFirst{THandler}(ref THandler, PerfRecordOrderKey)"/>. No torn record is ever delivered.
/// </summary>
/// <remarks>
/// <para>For a stream of records consumed as they come, see <see cref="PerfBufferReader"/>.</para>
/// <para>A map has one set of rings at a time: a newer reader or recorder of the same map takes its slots over, and disposing
/// the older one then leaves the newer one's rings in the map.</para>
/// <para>Reads (and <see cref="Pause"/>/<see cref="Resume"/>) are serialized by a lock and may come from any thread; a read
/// from one of a read's handlers throws <see cref="InvalidOperationException"/>.
/// <see cref="Dispose"/> may be called from any thread, also from inside a handler: the rings are released when the read returns.</para>
/// </remarks>
public sealed unsafe partial class PerfFlightRecorder : IDisposable
{
    private const int SnapshotAttempts = 4;

    private readonly BpfMap _map;
    private readonly PerfCpuRing[] _rings;
    private readonly Lock _gate = new();
    // Pinned (pinned object heap), allocated once: a copy of one ring's intact records and their offsets.
    private readonly byte[] _scratchArray;
    private readonly int[] _offsetArray;
    private readonly byte* _scratch;
    private readonly int* _offsets;
    private int _depth;
    private int _disposeRequested;
    private bool _released;
    private bool _paused;

    /// <summary>Opens an overwritable ring per CPU for <paramref name="map"/> and stores them in it.</summary>
    /// <param name="map">A loaded <see cref="BpfMapType.PerfEventArray"/> map, from a <see cref="BpfObject"/> or <see cref="BpfMap.Create"/>.</param>
    /// <param name="pageCount">Data pages per CPU, a power of two; 64 gives 256 KiB per CPU with 4 KiB pages. One more page per CPU holds the ring's metadata.</param>
    /// <exception cref="ArgumentException">The map is not a perf event array, or the page count is not a power of two.</exception>
    /// <exception cref="BpfException">A perf event could not be opened, mapped or stored in the map; the message says which CPU.</exception>
    public PerfFlightRecorder(BpfMap map, int pageCount = 64)
    {
        PerfCpuRings.Validate(map, nameof(PerfFlightRecorder), pageCount, nameof(pageCount), nameof(pageCount));
        _map = map;
        _rings = PerfCpuRings.Open(map, pageCount, backward: true, wakeupEvents: 0, wakeupWatermarkBytes: 0, out var offline);
        OfflineCpus = offline;
        RingSize = (int)_rings[0].Memory.Size;
        // A snapshot copies at most a whole ring; records are at least 8 bytes.
        _scratchArray = GC.AllocateUninitializedArray<byte>(RingSize, pinned: true);
        _offsetArray = GC.AllocateUninitializedArray<int>(RingSize / 8 + 1, pinned: true);
        _scratch = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratchArray));
        _offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsetArray));
        Cpus = Array.AsReadOnly(_rings.Select(r => r.Cpu).ToArray());
    }

    /// <summary>The CPUs that have a ring (their indexes in the map), ascending.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>Possible CPUs that were skipped because they were offline when the recorder was created.</summary>
    public IReadOnlyList<int> OfflineCpus { get; }

    /// <summary>Size of each CPU's data area in bytes: how much history each CPU keeps.</summary>
    public int RingSize { get; }

    /// <summary>Whether <see cref="Pause"/> stopped the recording.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused;
            }
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposeRequested) != 0;

    /// <summary>
    /// Stops the kernel's writes into every ring (<c>PERF_EVENT_IOC_PAUSE_OUTPUT</c>), freezing the history, e.g. while it is
    /// read after a crash; records the BPF program emits meanwhile fail, and the kernel reports them as a loss after
    /// <see cref="Resume"/>. Doing it again does nothing.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public void Pause() => SetPaused(true);

    /// <summary>Lets the kernel write into the rings again after <see cref="Pause"/>. Doing it again does nothing.</summary>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public void Resume() => SetPaused(false);

    /// <summary>
    /// Reads what the rings hold now, CPU by CPU (ascending <see cref="Cpus"/>), newest record first within each CPU.
    /// Nothing is consumed: reading again returns the same records unless new ones were written.
    /// </summary>
    /// <remarks>
    /// For each CPU the kernel's output is paused (<c>PERF_EVENT_IOC_PAUSE_OUTPUT</c>, unless <see cref="Pause"/> did it) just
    /// long enough to copy the intact records into a reusable buffer; records the BPF program emits on that CPU meanwhile fail
    /// (the kernel reports them later as a loss, which this method passes to <see cref="IPerfBufferHandler.OnLost"/> in its
    /// place among the records). The walk starts at the newest record and stops at the ring's size, at never-written space,
    /// or before the oldest record when it was partly overwritten: no torn record is ever delivered. Records of different
    /// CPUs are not merged: see <see cref="ReadMergedOldestFirst{THandler}(ref THandler, PerfRecordOrderKey)"/>.
    /// </remarks>
    /// <param name="handler">Receives the records.</param>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public int ReadNewestFirst<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler => ReadSnapshot(ref handler, newestFirst: true);

    /// <summary>Reads the rings, newest record first within each CPU (see <see cref="ReadNewestFirst{THandler}(ref THandler)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="lost">Called for each loss report found in a ring; may be <c>null</c>.</param>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public int ReadNewestFirst(PerfRecordHandler handler, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegatePerfBufferHandler(handler, lost);
        return ReadSnapshot(ref adapter, newestFirst: true);
    }

    /// <summary>
    /// Reads the rings CPU by CPU (ascending <see cref="Cpus"/>), oldest record first within each CPU: the same records as
    /// <see cref="ReadNewestFirst{THandler}(ref THandler)"/>, in the order they were written.
    /// </summary>
    /// <param name="handler">Receives the records.</param>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public int ReadOldestFirst<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler => ReadSnapshot(ref handler, newestFirst: false);

    /// <summary>Reads the rings, oldest record first within each CPU (see <see cref="ReadOldestFirst{THandler}(ref THandler)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="lost">Called for each loss report found in a ring; may be <c>null</c>.</param>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public int ReadOldestFirst(PerfRecordHandler handler, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegatePerfBufferHandler(handler, lost);
        return ReadSnapshot(ref adapter, newestFirst: false);
    }

    /// <summary>
    /// Removes the rings from the map (the kernel stops writing), unmaps them and closes the perf events. Safe to call more
    /// than once, from another thread (it waits for a read in progress) or inside a handler (the rings are released when
    /// the read returns).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeRequested, 1) != 0)
        {
            return;
        }
        if (_gate.IsHeldByCurrentThread)
        {
            return; // called from a handler: Exit() of the outermost read releases everything
        }
        lock (_gate)
        {
            Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Perf flight recorder of map '{_map.Name}' ({Cpus.Count} CPUs x {RingSize} bytes{(IsDisposed ? ", disposed" : string.Empty)})";

    private void Enter()
    {
        _gate.Enter();
        if (IsDisposed)
        {
            _gate.Exit(); // whoever disposed (or the outermost read) releases the rings
            throw new ObjectDisposedException(nameof(PerfFlightRecorder));
        }
        _depth++;
    }

    /// <summary>
    /// Refuses a read from a handler of a read (the lock lets the same thread in): both would copy into the same buffers, and
    /// the outer read would then hand out records at offsets into the inner one's copy, spans reaching past the buffer.
    /// </summary>
    private void ThrowIfNested()
    {
        if (_depth > 1)
        {
            throw new InvalidOperationException(
                "A read of this PerfFlightRecorder is running on this thread (this is one of its handlers): reads cannot be nested. Collect what the handler needs and read again after it returns.");
        }
    }

    private void Exit()
    {
        if (_depth > 0)
        {
            _depth--;
        }
        if (_depth == 0 && IsDisposed)
        {
            Release();
        }
        _gate.Exit();
    }

    private void Release()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        PerfCpuRings.RemoveFromMap(_map, _rings);
        foreach (var ring in _rings)
        {
            ring.Dispose();
        }
    }

    private void SetPaused(bool paused)
    {
        Enter();
        try
        {
            if (_paused == paused)
            {
                return;
            }
            foreach (var ring in _rings)
            {
                ring.PauseOutput(paused);
            }
            _paused = paused;
            if (paused)
            {
                Thread.Sleep(1); // let a write that began before the pause finish (see CopyIntactRecords)
            }
        }
        finally
        {
            Exit();
        }
    }

    private int ReadSnapshot<THandler>(ref THandler handler, bool newestFirst)
        where THandler : IPerfBufferHandler
    {
        Enter();
        try
        {
            ThrowIfNested();
            var count = 0;
            foreach (var ring in _rings)
            {
                var length = CopyIntactRecords(ring, _scratch);
                var records = PerfRingParser.IndexRecords(_scratch, length, _offsets);
                for (var i = 0; i < records && !IsDisposed; i++)
                {
                    var record = _scratch + _offsets[newestFirst ? i : records - 1 - i];
                    if (Dispatch(ring.Cpu, record, ref handler))
                    {
                        count++;
                    }
                }
                if (IsDisposed)
                {
                    break;
                }
            }
            return count;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Pauses the ring (unless <see cref="Pause"/> did), copies its intact records (newest first, as they lie from data_head
    /// on) to <paramref name="destination"/> (room for <see cref="RingSize"/> bytes), resumes it. Returns the bytes copied.
    /// </summary>
    private int CopyIntactRecords(PerfCpuRing ring, byte* destination)
    {
        var memory = ring.Memory;
        if (!_paused)
        {
            ring.PauseOutput(true);
        }
        try
        {
            // A write that began before the pause has reserved its space (in backward mode: the oldest bytes, at the far end of
            // the walk) but publishes data_head only when done, so re-reading data_head cannot tell that it is still copying.
            // BPF output runs with preemption disabled and takes microseconds: let such writes finish before copying.
            if (!_paused)
            {
                Thread.Sleep(1);
            }
            for (var attempt = 1; ; attempt++)
            {
                var head = memory.Head;
                var length = PerfRingParser.CopyIntactRecords(memory, head, destination);
                // A write that began before the pause may still have been in flight: it publishes a new head when done.
                if (memory.Head == head || attempt == SnapshotAttempts)
                {
                    return length;
                }
            }
        }
        finally
        {
            if (!_paused)
            {
                ring.PauseOutput(false);
            }
        }
    }

    /// <summary>Hands one record of a snapshot to the handler; returns whether it was a sample.</summary>
    private static bool Dispatch<THandler>(int cpu, byte* record, ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        switch (PerfRingParser.Parse(record, PerfRingParser.RecordSize(record), out var sample, out var lost))
        {
            case PerfRecordKind.Sample:
                handler.OnRecord(cpu, sample);
                return true;
            case PerfRecordKind.Lost:
                handler.OnLost(cpu, lost);
                return false;
            default:
                return false;
        }
    }
}
