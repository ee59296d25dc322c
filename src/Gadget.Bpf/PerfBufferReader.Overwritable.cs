namespace Gadget.Bpf;

/// <summary>The flight-recorder half of <see cref="PerfBufferReader"/>: reading overwritable (backward) rings on demand.</summary>
public sealed unsafe partial class PerfBufferReader
{
    private const int SnapshotAttempts = 4;

    /// <summary>
    /// Reads what an overwritable reader's rings hold now, CPU by CPU (ascending <see cref="Cpus"/>), newest record first within
    /// each CPU. Nothing is consumed: reading again returns the same records unless new ones were written.
    /// </summary>
    /// <remarks>
    /// For each CPU the kernel's output is paused (<c>PERF_EVENT_IOC_PAUSE_OUTPUT</c>) just long enough to copy the intact records
    /// into a reusable buffer; records the BPF program emits on that CPU meanwhile fail (the kernel reports them later as a loss,
    /// which this method passes to <see cref="IPerfBufferHandler.OnLost"/> in its place among the records, without adding to
    /// <see cref="LostRecords"/>). The walk starts at the newest record and stops at the ring's size, at never-written space, or
    /// before the oldest record when it was partly overwritten: no torn record is ever delivered. Records of different CPUs are
    /// not merged: put a timestamp in your records to order them across CPUs.
    /// </remarks>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">The reader is not overwritable.</exception>
    public int ReadNewestFirst<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler => ReadSnapshot(ref handler, newestFirst: true);

    /// <summary>Reads an overwritable reader's rings, newest record first within each CPU (see <see cref="ReadNewestFirst{THandler}(ref THandler)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="lost">Called for each loss report found in a ring; may be <c>null</c>.</param>
    /// <returns>The number of records delivered.</returns>
    public int ReadNewestFirst(PerfRecordHandler handler, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateHandler(handler, lost);
        return ReadSnapshot(ref adapter, newestFirst: true);
    }

    /// <summary>
    /// Reads an overwritable reader's rings CPU by CPU (ascending <see cref="Cpus"/>), oldest record first within each CPU: the
    /// same records as <see cref="ReadNewestFirst{THandler}(ref THandler)"/>, in the order they were written.
    /// </summary>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">The reader is not overwritable.</exception>
    public int ReadOldestFirst<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler => ReadSnapshot(ref handler, newestFirst: false);

    /// <summary>Reads an overwritable reader's rings, oldest record first within each CPU (see <see cref="ReadOldestFirst{THandler}(ref THandler)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="lost">Called for each loss report found in a ring; may be <c>null</c>.</param>
    /// <returns>The number of records delivered.</returns>
    public int ReadOldestFirst(PerfRecordHandler handler, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateHandler(handler, lost);
        return ReadSnapshot(ref adapter, newestFirst: false);
    }

    private int ReadSnapshot<THandler>(ref THandler handler, bool newestFirst)
        where THandler : IPerfBufferHandler
    {
        Enter(overwritable: true);
        try
        {
            var count = 0;
            foreach (var ring in _rings)
            {
                var length = CopyIntactRecords(ring, _scratch);
                count += DispatchSnapshot(ring.Cpu, length, ref handler, newestFirst);
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
    /// Pauses the ring, copies its intact records (newest first, as they lie from data_head on) to <paramref name="destination"/>
    /// (room for <see cref="RingSize"/> bytes), resumes it. Returns the number of bytes copied.
    /// </summary>
    private static int CopyIntactRecords(PerfCpuRing ring, byte* destination)
    {
        var room = (long)ring.Size;
        ring.PauseOutput(true);
        try
        {
            // A write that began before the pause has reserved its space (in backward mode: the oldest bytes, at the far end of
            // the walk) but publishes data_head only when done, so re-reading data_head cannot tell that it is still copying.
            // BPF output runs with preemption disabled and takes microseconds: let such writes finish before copying.
            Thread.Sleep(1);
            for (var attempt = 1; ; attempt++)
            {
                var head = ring.Head;
                var length = MeasureIntactRecords(ring, head);
                var offset = head & ring.Mask;
                var first = (int)Math.Min((ulong)length, ring.Size - offset);
                Buffer.MemoryCopy(ring.Data + offset, destination, room, first);
                if (length > first)
                {
                    Buffer.MemoryCopy(ring.Data, destination + first, room - first, length - first);
                }
                // A write that began before the pause may still have been in flight: it publishes a new head when done.
                if (ring.Head == head || attempt == SnapshotAttempts)
                {
                    return length;
                }
            }
        }
        finally
        {
            ring.PauseOutput(false);
        }
    }

    /// <summary>
    /// In backward mode data_head decreases: the newest record starts at head, older ones follow. Walks from head until the ring's
    /// size is covered, a zero header (never written), position 0 (the end of the first record ever written), or a record that
    /// would reach past head + size (its end was overwritten when the newest records wrapped around).
    /// </summary>
    private static int MeasureIntactRecords(PerfCpuRing ring, ulong head)
    {
        var position = head;
        while (position != 0)
        {
            var used = position - head;
            if (used + Interop.Libc.PerfEventHeaderSize > ring.Size)
            {
                break;
            }
            var size = (ulong)*(ushort*)(ring.Data + (position & ring.Mask) + 6);
            if (size < Interop.Libc.PerfEventHeaderSize || (size & 7) != 0 || used + size > ring.Size)
            {
                break;
            }
            position += size;
        }
        return (int)(position - head);
    }

    private int DispatchSnapshot<THandler>(int cpu, int length, ref THandler handler, bool newestFirst)
        where THandler : IPerfBufferHandler
    {
        var records = 0;
        for (var offset = 0; offset < length; offset += *(ushort*)(_scratch + offset + 6))
        {
            _offsets[records++] = offset;
        }
        var delivered = 0;
        for (var i = 0; i < records && !IsDisposed; i++)
        {
            var offset = _offsets[newestFirst ? i : records - 1 - i];
            var record = _scratch + offset;
            if (Dispatch(cpu, record, *(ushort*)(record + 6), ref handler, countLost: false))
            {
                delivered++;
            }
        }
        return delivered;
    }
}
