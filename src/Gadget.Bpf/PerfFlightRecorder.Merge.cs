namespace Gadget.Bpf;

/// <summary>Reading all CPUs' overwritable rings as one stream, ordered by a key taken from the records (a timestamp).</summary>
public sealed unsafe partial class PerfFlightRecorder
{
    // Allocated by the first merged read (pinned object heap): one ring's worth of bytes and offsets per CPU.
    private byte[]? _mergeBytes;
    private int[]? _mergeOffsets;
    private int[]? _mergeCounts;
    private int[]? _mergeCursors;
    private ulong[]? _mergeKeys;

    /// <summary>
    /// Reads the rings as one stream, oldest first across all CPUs: the CPUs' records are merged by
    /// <paramref name="orderKey"/> (e.g. a timestamp in the record; equal keys keep ascending CPU order). Like
    /// <see cref="ReadNewestFirst{THandler}(ref THandler)"/> nothing is consumed and no torn record is delivered; the rings are
    /// copied one after the other (each paused only while it is copied), then merged. Loss reports found in a ring are passed to
    /// <see cref="IPerfBufferHandler.OnLost"/> when the merge reaches them.
    /// </summary>
    /// <remarks>The first call allocates <see cref="RingSize"/> bytes per CPU for the copies; later calls allocate nothing.</remarks>
    /// <param name="handler">Receives the records.</param>
    /// <param name="orderKey">Gives each record's ordering key; it must not decrease from older to newer records of one CPU.</param>
    /// <returns>The number of records delivered.</returns>
    /// <exception cref="ObjectDisposedException">The recorder is disposed.</exception>
    public int ReadMergedOldestFirst<THandler>(ref THandler handler, PerfRecordOrderKey orderKey)
        where THandler : IPerfBufferHandler
    {
        ArgumentNullException.ThrowIfNull(orderKey);
        Enter();
        try
        {
            ThrowIfNested();
            var cpus = _rings.Length;
            var perRingOffsets = RingSize / 8 + 1;
            _mergeBytes ??= GC.AllocateUninitializedArray<byte>(RingSize * cpus, pinned: true);
            _mergeOffsets ??= GC.AllocateUninitializedArray<int>(perRingOffsets * cpus, pinned: true);
            _mergeCounts ??= new int[cpus];
            _mergeCursors ??= new int[cpus];
            _mergeKeys ??= new ulong[cpus];
            fixed (byte* bytes = _mergeBytes)
            fixed (int* offsets = _mergeOffsets)
            {
                for (var r = 0; r < cpus; r++)
                {
                    var region = bytes + (long)r * RingSize;
                    var length = CopyIntactRecords(_rings[r], region);
                    var count = PerfRingParser.IndexRecords(region, length, offsets + (long)r * perRingOffsets);
                    _mergeCounts[r] = count;
                    _mergeCursors[r] = count - 1; // the oldest record of that CPU
                }

                var delivered = 0;
                for (var r = 0; r < cpus; r++)
                {
                    Advance(r, bytes, offsets, perRingOffsets, ref handler, orderKey);
                }
                while (!IsDisposed)
                {
                    var next = -1;
                    for (var r = 0; r < cpus; r++)
                    {
                        if (_mergeCursors[r] >= 0 && (next < 0 || _mergeKeys[r] < _mergeKeys[next]))
                        {
                            next = r;
                        }
                    }
                    if (next < 0)
                    {
                        break;
                    }
                    var record = RecordAt(next, _mergeCursors[next], bytes, offsets, perRingOffsets);
                    _mergeCursors[next]--;
                    if (Dispatch(_rings[next].Cpu, record, ref handler))
                    {
                        delivered++;
                    }
                    Advance(next, bytes, offsets, perRingOffsets, ref handler, orderKey);
                }
                return delivered;
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Reads the rings oldest first across CPUs, merged by <paramref name="orderKey"/> (see <see cref="ReadMergedOldestFirst{THandler}(ref THandler, PerfRecordOrderKey)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="orderKey">Gives each record's ordering key.</param>
    /// <param name="lost">Called for each loss report found in a ring; may be <c>null</c>.</param>
    /// <returns>The number of records delivered.</returns>
    public int ReadMergedOldestFirst(PerfRecordHandler handler, PerfRecordOrderKey orderKey, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegatePerfBufferHandler(handler, lost);
        return ReadMergedOldestFirst(ref adapter, orderKey);
    }

    private byte* RecordAt(int ring, int index, byte* bytes, int* offsets, int perRingOffsets) =>
        bytes + (long)ring * RingSize + offsets[(long)ring * perRingOffsets + index];

    /// <summary>
    /// Moves ring <paramref name="r"/>'s cursor to its next sample, delivering the non-sample records (loss reports) on the way, and
    /// stores that sample's key.
    /// </summary>
    private void Advance<THandler>(int r, byte* bytes, int* offsets, int perRingOffsets, ref THandler handler, PerfRecordOrderKey orderKey)
        where THandler : IPerfBufferHandler
    {
        var cursors = _mergeCursors!;
        while (cursors[r] >= 0)
        {
            var record = RecordAt(r, cursors[r], bytes, offsets, perRingOffsets);
            if (PerfRingParser.Parse(record, PerfRingParser.RecordSize(record), out var sample, out _) == PerfRecordKind.Sample)
            {
                _mergeKeys![r] = orderKey(sample);
                return;
            }
            cursors[r]--;
            Dispatch(_rings[r].Cpu, record, ref handler);
        }
    }
}
