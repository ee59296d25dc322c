using L = Gadget.Traceloop.TraceloopRecordLayout;

namespace Gadget.Traceloop;

/// <summary>The captures of the records of one syscall (an enter and an exit record, or one whole-syscall record) merged into
/// one list with at most one capture per argument index: a later capture of an argument replaces the earlier one.</summary>
internal static class RecordCaptures
{
    /// <summary>
    /// Appends the captures of <paramref name="record"/> to <paramref name="list"/> after its first <paramref name="first"/>
    /// entries, except that a capture of an argument already in the list (from an earlier record or earlier in this one)
    /// replaces that entry (in its place).
    /// </summary>
    /// <returns>The number of entries in the list.</returns>
    internal static int Copy(ReadOnlySpan<byte> record, byte[] storage, CapturedArgument[] list, int first, ref int used)
    {
        var offset = L.CapturesOffset(record);
        var count = L.CaptureCount(record);
        var n = first;
        for (var i = 0; i < count; i++)
        {
            var header = L.Capture(record, offset);
            var index = header.Index;
            var status = (CaptureStatus)header.Status;
            var length = (int)header.Length;
            record.Slice(offset + L.CaptureHeaderSize, length).CopyTo(storage.AsSpan(used));
            var capture = new CapturedArgument(index, new ReadOnlyMemory<byte>(storage, used, length), status);
            var slot = IndexOf(list, n, index);
            if (slot >= 0)
            {
                list[slot] = capture;
            }
            else
            {
                list[n++] = capture;
            }
            used += length;
            offset += L.CaptureHeaderSize + length;
        }
        return n;
    }

    /// <summary>Where the capture of argument <paramref name="index"/> is among the first <paramref name="count"/> of <paramref name="list"/>; -1 if not there.</summary>
    private static int IndexOf(CapturedArgument[] list, int count, int index)
    {
        for (var i = 0; i < count; i++)
        {
            if (list[i].Index == index)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>How many captures of a whole-syscall record are of an argument captured earlier in it (inputs read again at exit).</summary>
    internal static int CountRepeatedIndexes(ReadOnlySpan<byte> record)
    {
        var seen = 0; // bit per argument index (0-5; any other index counts as its own)
        var repeated = 0;
        var offset = L.CapturesOffset(record);
        for (var i = 0; i < L.CaptureCount(record); i++)
        {
            var bit = 1 << Math.Min((int)L.Capture(record, offset).Index, 31);
            if ((seen & bit) != 0)
            {
                repeated++;
            }
            seen |= bit;
            offset = L.NextCapture(record, offset);
        }
        return repeated;
    }

    /// <summary>How many captures of <paramref name="exit"/> are of an argument that <paramref name="enter"/> has a capture of too (inputs read again at exit).</summary>
    internal static int CountSharedIndexes(ReadOnlySpan<byte> enter, ReadOnlySpan<byte> exit)
    {
        var shared = 0;
        var exitOffset = L.CapturesOffset(exit);
        for (var i = 0; i < L.CaptureCount(exit); i++)
        {
            var index = L.Capture(exit, exitOffset).Index;
            var enterOffset = L.CapturesOffset(enter);
            for (var j = 0; j < L.CaptureCount(enter); j++)
            {
                if (L.Capture(enter, enterOffset).Index == index)
                {
                    shared++;
                    break;
                }
                enterOffset = L.NextCapture(enter, enterOffset);
            }
            exitOffset = L.NextCapture(exit, exitOffset);
        }
        return shared;
    }
}
