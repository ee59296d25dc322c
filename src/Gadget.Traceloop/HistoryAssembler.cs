using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using L = Gadget.Traceloop.TraceloopRecordLayout;

namespace Gadget.Traceloop;

/// <summary>
/// Turns the raw records of one container's per-CPU rings into syscalls: orders every thread's records by timestamp, takes
/// each whole-syscall record as it is, pairs each exit record with its thread's pending enter record, and attaches the
/// captured memory. Reusable: the copy of the rings lives in a
/// pooled arena kept between dumps, so a dump allocates only the <see cref="SyscallRecord"/>s it returns.
/// </summary>
/// <remarks>
/// <para>Window: when a CPU's ring has wrapped, its oldest records are gone, and records of other CPUs older than its oldest
/// surviving one cannot be paired reliably (their exit may have been on the wrapped CPU). The history therefore starts at the
/// newest "oldest surviving record" among the wrapped rings: what is returned is contiguous, ending with the newest record
/// (a whole-syscall record needs no partner: it is kept when it was written, at its exit, inside the window). Whether a ring
/// wrapped is known from its sequence numbers and counters where they tell (see <see cref="Wrapped"/>).</para>
/// <para>An exit whose enter is not in the window (overwritten, or before the window) is dropped and counted in
/// <see cref="DroppedExits"/>: without its enter, its arguments are unknown. An enter without an exit is kept with
/// <see cref="SyscallRecord.ReturnValue"/> <c>null</c>: the syscall was still running (blocked, or the thread died in it).
/// The syscalls still open in the kernel's per-CPU buffers when the dump was taken (<see cref="AddInFlight"/>) are such
/// enters too, unless the rings hold them by then.</para>
/// <para>Captures: the enter's part holds the inputs, the exit's part the outputs and the inputs the BPF side read again
/// because they were unreadable at entry (memory not faulted in yet). A later capture of an argument replaces the earlier
/// capture of the same argument, so a <see cref="SyscallRecord"/> has at most one capture per argument index.</para>
/// </remarks>
internal sealed class HistoryAssembler
{
    /// <summary>Bytes a ring may leave unused at its end although it wrapped: the largest perf record the BPF program writes
    /// (a batch of records: bpf/traceloop_captures.h's BATCH_SIZE), plus perf's headers.</summary>
    internal const int WrapSlack = 4096 + 256;

    private readonly Dictionary<int, int> _pendingByThread = [];
    private readonly HashSet<(int Thread, ulong Timestamp, byte Kind)> _inRing = [];
    private readonly HashSet<(int Thread, ulong Timestamp, byte Kind)> _unwritten = [];
    private readonly HashSet<string> _commands = [];
    private byte[] _arena = [];
    private int _arenaUsed;
    private Entry[] _entries = [];
    private int _entryCount;
    private readonly Dictionary<int, CpuState> _cpus = [];

    private struct Entry
    {
        public ulong Timestamp;
        public int Offset;
        public int Length;
        public int Cpu;
        public byte Kind;
        public Source From;
    }

    /// <summary>Where a record was read: the ring, or the kernel's per-CPU buffer (not written to the ring yet).</summary>
    private enum Source : byte
    {
        Ring,
        Batch,
        Open,
    }

    private struct CpuState
    {
        public long Bytes;
        public ulong Oldest;
        public ulong OldestEnterSequence;
        public bool HasEnter;
    }

    /// <summary>Records seen in the last dump that were malformed (never expected; counted rather than thrown).</summary>
    internal int InvalidRecords { get; private set; }

    /// <summary>Exits of the last dump whose enter was not in the window.</summary>
    internal int DroppedExits { get; private set; }

    /// <summary>Captures of the last dump that were unreadable at entry and taken from the exit record instead.</summary>
    internal int RetriedCaptures { get; private set; }

    /// <summary>Records lost while reading (the ring was paused; reported by the kernel).</summary>
    internal ulong LostWhileReading { get; private set; }

    /// <summary>Forgets the previous dump (keeps the buffers).</summary>
    internal void Reset()
    {
        _arenaUsed = 0;
        _entryCount = 0;
        _cpus.Clear();
        InvalidRecords = 0;
        DroppedExits = 0;
        RetriedCaptures = 0;
        LostWhileReading = 0;
    }

    internal void AddLost(ulong count) => LostWhileReading += count;

    /// <summary>Copies the records of one perf record of <paramref name="cpu"/>'s ring (as the perf reader delivers it,
    /// padding included): one record, or a batch of records back to back.</summary>
    internal void Add(int cpu, ReadOnlySpan<byte> data)
    {
        ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_cpus, cpu, out _);
        state.Bytes += data.Length + 12; // perf_event_header + the u32 raw size
        AddRecords(cpu, data, Source.Ring);
    }

    /// <summary>Copies the records of <paramref name="cpu"/>'s batch that the kernel had not written to the ring yet when the
    /// dump was taken (back to back; those written to the ring while the dump was read are taken from the ring instead).</summary>
    internal void AddUnwritten(int cpu, ReadOnlySpan<byte> batch) => AddRecords(cpu, batch, Source.Batch);

    /// <summary>Copies the enter record of a syscall that was still open on <paramref name="cpu"/> (in the kernel's per-CPU
    /// buffer, not in the ring) when the dump was taken: it did not return yet, or returned while the dump was read (the
    /// ring's record of it is then taken instead).</summary>
    internal void AddInFlight(int cpu, ReadOnlySpan<byte> data)
    {
        if (!L.IsValid(data) || L.Kind(data) != L.KindEnter)
        {
            InvalidRecords++;
            return;
        }
        Store(cpu, data, Source.Open);
    }

    private void AddRecords(int cpu, ReadOnlySpan<byte> data, Source from)
    {
        ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_cpus, cpu, out _);
        // What follows the last record is the ring's padding (less than a header).
        for (var offset = 0; data.Length - offset >= L.HeaderSize; )
        {
            var record = data[offset..];
            if (!L.IsValid(record))
            {
                InvalidRecords++;
                return;
            }
            record = record[..L.Size(record)];
            offset += record.Length;
            var kind = L.Kind(record);
            // When it was written (a whole syscall at its exit: its header has the enter's time, which orders the history).
            var written = L.WrittenAt(record, kind);
            if (from == Source.Ring && (state.Oldest == 0 || written < state.Oldest))
            {
                state.Oldest = written;
            }
            if (L.HasBody(kind) && (!state.HasEnter || L.Sequence(record) < state.OldestEnterSequence))
            {
                state.OldestEnterSequence = L.Sequence(record);
                state.HasEnter = true;
            }
            Store(cpu, record, from);
        }
    }

    private void Store(int cpu, ReadOnlySpan<byte> data, Source from)
    {
        var size = L.Size(data);
        var timestamp = L.Timestamp(data);
        if (_arenaUsed + size > _arena.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_arena.Length * 2, _arenaUsed + size + 64 * 1024));
            _arena.AsSpan(0, _arenaUsed).CopyTo(bigger);
            if (_arena.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_arena);
            }
            _arena = bigger;
        }
        data[..size].CopyTo(_arena.AsSpan(_arenaUsed));
        if (_entryCount == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(1024, _entries.Length * 2));
        }
        _entries[_entryCount++] = new Entry { Timestamp = timestamp, Offset = _arenaUsed, Length = size, Cpu = cpu, Kind = L.Kind(data), From = from };
        _arenaUsed += size;
    }

    /// <summary>Builds the history from the records added since <see cref="Reset"/>: syscalls and process exits, oldest
    /// first, and what the rings lost.</summary>
    /// <param name="ringSize">The size in bytes of one CPU's ring (to tell which rings wrapped).</param>
    /// <param name="counters">Each CPU's counters of the ring (index: CPU): enters written, records not written.</param>
    /// <param name="recordingSince">When the ring started recording the cgroup (boot-time ns).</param>
    /// <param name="missedBeforeRecording">Syscalls the cgroup made before it had a ring.</param>
    /// <param name="since">Only syscalls entered at or after this boot-time timestamp.</param>
    internal SyscallHistory BuildHistory(long ringSize, ReadOnlySpan<Bpf.RingCounters> counters, ulong recordingSince, ulong missedBeforeRecording, ulong since = 0)
    {
        var syscalls = Build(ringSize, counters, since, out var windowStart);
        var overwritten = new ulong[counters.Length];
        ulong notWritten = 0;
        for (var cpu = 0; cpu < counters.Length; cpu++)
        {
            notWritten += counters[cpu].Failed;
            // The oldest surviving enter's sequence number is the number of enters before it: all overwritten. A ring that
            // holds no enter any more lost every enter it was given.
            overwritten[cpu] = _cpus.TryGetValue(cpu, out var state) && state.HasEnter ? state.OldestEnterSequence : counters[cpu].Enters;
        }
        var exits = new List<ProcessExit>();
        foreach (ref readonly var e in _entries.AsSpan(0, _entryCount))
        {
            if (e.Kind == L.KindProcessExit && e.Timestamp >= windowStart && IsFirstCopy(e))
            {
                var record = _arena.AsSpan(e.Offset, e.Length);
                exits.Add(new ProcessExit(L.ProcessId(record), L.ThreadId(record), e.Timestamp, new Gadget.Containers.ContainerExitStatus(L.WaitStatus(record))));
            }
        }
        var anyOverwritten = overwritten.Any(n => n > 0);
        var completeSince = anyOverwritten ? Math.Max(windowStart, recordingSince) : recordingSince;
        return new SyscallHistory(syscalls, exits, recordingSince, completeSince, overwritten, missedBeforeRecording, notWritten);
    }

    /// <summary>Builds the syscalls from the records added since <see cref="Reset"/>, oldest first.</summary>
    /// <param name="ringSize">The size in bytes of one CPU's ring (to tell which rings wrapped).</param>
    /// <param name="since">Only syscalls entered at or after this boot-time timestamp.</param>
    /// <param name="counters">Each CPU's counters of the ring (index: CPU), or empty when not known.</param>
    internal List<SyscallRecord> Build(long ringSize, ReadOnlySpan<Bpf.RingCounters> counters = default, ulong since = 0) =>
        Build(ringSize, counters, since, out _);

    private List<SyscallRecord> Build(long ringSize, ReadOnlySpan<Bpf.RingCounters> counters, ulong since, out ulong windowStart)
    {
        windowStart = since;
        foreach (var (cpu, state) in _cpus)
        {
            if (Wrapped(state, ringSize, cpu < counters.Length ? counters[cpu] : default) && state.Oldest > windowStart)
            {
                windowStart = state.Oldest;
            }
        }

        var entries = _entries.AsSpan(0, _entryCount);
        entries.Sort(static (a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.Kind.CompareTo(b.Kind));

        // Pair: slots[i] = (enter entry, exit entry or -1), in enter order.
        var slots = ArrayPool<(int Enter, int Exit)>.Shared.Rent(Math.Max(1, entries.Length));
        var slotCount = 0;
        _pendingByThread.Clear();
        DroppedExits = 0;
        RetriedCaptures = 0;
        FindCopies(entries);
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var e = ref entries[i];
            if (e.Timestamp < since || e.Kind == L.KindProcessExit)
            {
                continue;
            }
            var record = _arena.AsSpan(e.Offset, e.Length);
            // A whole syscall needs no partner: it is in the window when it was written (at its exit) inside it.
            if (L.WrittenAt(record, e.Kind) < windowStart)
            {
                continue;
            }
            var tid = L.ThreadId(record);
            if (!IsFirstCopy(e))
            {
                continue; // written to the ring while the dump was read
            }
            if (e.Kind == L.KindSyscall)
            {
                // A pending enter of the same thread never returned (e.g. its exit was lost): it stays unreturned.
                _pendingByThread.Remove(tid);
                slots[slotCount++] = (i, i);
            }
            else if (e.Kind == L.KindEnter)
            {
                // A pending enter of the same thread never returned (e.g. its exit was lost): it stays unreturned.
                _pendingByThread[tid] = slotCount;
                slots[slotCount++] = (i, -1);
            }
            else if (_pendingByThread.Remove(tid, out var slot) && ExitMatches(L.Number(_arena.AsSpan(entries[slots[slot].Enter].Offset)), L.Number(record)))
            {
                slots[slot].Exit = i;
            }
            else
            {
                DroppedExits++;
            }
        }

        var result = new List<SyscallRecord>(slotCount);
        for (var s = 0; s < slotCount; s++)
        {
            var (enterIndex, exitIndex) = slots[s];
            result.Add(Materialize(entries[enterIndex], exitIndex < 0 ? null : entries[exitIndex]));
        }
        ArrayPool<(int, int)>.Shared.Return(slots);
        return result;
    }

    /// <summary>
    /// Whether a CPU's ring lost records older than its oldest surviving one. Known from the sequence numbers when the ring
    /// holds an enter: its oldest enter is not the first one given to the ring, and none was refused (a refused record is
    /// missing without a wrap). A ring without an enter although it was given some lost them all. Otherwise (only exits or
    /// process exits, or refused records) only how full it is tells: full up to what a batch may leave unused at its end,
    /// and at least half full (a one-page ring is never "full up to a batch": a CPU that wrote one process exit there must
    /// not cut every other CPU's history).
    /// </summary>
    private static bool Wrapped(in CpuState state, long ringSize, Bpf.RingCounters counters)
    {
        if (state.HasEnter)
        {
            if (state.OldestEnterSequence == 0)
            {
                return false;
            }
            if (counters.Failed == 0)
            {
                return true;
            }
        }
        else if (counters.Enters > 0)
        {
            return true;
        }
        return state.Bytes >= Math.Max(ringSize - WrapSlack, ringSize / 2);
    }

    /// <summary>Notes which records the ring holds, and which the batches, so that their copies read before can be left out.</summary>
    private void FindCopies(ReadOnlySpan<Entry> entries)
    {
        _inRing.Clear();
        _unwritten.Clear();
        foreach (ref readonly var e in entries)
        {
            if (e.From != Source.Open)
            {
                (e.From == Source.Ring ? _inRing : _unwritten).Add(Key(e));
            }
        }
    }

    /// <summary>Whether <paramref name="e"/> is not a copy of a record the dump read later from where the kernel moved it: from
    /// the open syscall to the batch or the ring (as an enter, or completed), from the batch to the ring.</summary>
    private bool IsFirstCopy(in Entry e)
    {
        var key = Key(e);
        return e.From switch
        {
            Source.Batch => !_inRing.Contains(key),
            Source.Open => !_inRing.Contains(key) && !_unwritten.Contains(key) &&
                !_inRing.Contains(key with { Kind = L.KindSyscall }) && !_unwritten.Contains(key with { Kind = L.KindSyscall }),
            _ => true,
        };
    }

    private (int Thread, ulong Timestamp, byte Kind) Key(in Entry e) => (L.ThreadId(_arena.AsSpan(e.Offset, e.Length)), e.Timestamp, e.Kind);

    /// <summary>
    /// Whether an exit with syscall number <paramref name="exitNumber"/> ends the enter with <paramref name="enterNumber"/>.
    /// rt_sigreturn restores the registers, and with them orig_ax = -1: its exit reports number -1. An execve between a
    /// 64-bit and a 32-bit program returns in the other mode, with that mode's execve number: the only syscall whose exit
    /// is in another mode than its entry.
    /// </summary>
    private static bool ExitMatches(int enterNumber, int exitNumber) =>
        enterNumber == exitNumber || exitNumber == -1 || L.IsCompat(enterNumber) != L.IsCompat(exitNumber);

    private SyscallRecord Materialize(in Entry enterEntry, Entry? exitEntry)
    {
        var enter = _arena.AsSpan(enterEntry.Offset, enterEntry.Length);
        var arguments = new ulong[6];
        for (var i = 0; i < 6; i++)
        {
            arguments[i] = L.Argument(enter, i);
        }
        var whole = enterEntry.Kind == L.KindSyscall;
        var captureCount = L.CaptureCount(enter);
        var dataBytes = L.CapturedBytes(enter);
        ReadOnlySpan<byte> exit = default;
        if (whole)
        {
            var replaced = RecordCaptures.CountRepeatedIndexes(enter);
            RetriedCaptures += replaced;
            captureCount -= replaced;
        }
        else if (exitEntry is { } x)
        {
            exit = _arena.AsSpan(x.Offset, x.Length);
            var replaced = RecordCaptures.CountSharedIndexes(enter, exit);
            RetriedCaptures += replaced;
            captureCount += L.CaptureCount(exit) - replaced;
            dataBytes += L.CapturedBytes(exit);
        }

        IReadOnlyList<CapturedArgument> captured = [];
        if (captureCount > 0)
        {
            var storage = new byte[dataBytes];
            var list = new CapturedArgument[captureCount];
            var used = 0;
            var n = RecordCaptures.Copy(enter, storage, list, 0, ref used);
            if (!exit.IsEmpty)
            {
                RecordCaptures.Copy(exit, storage, list, n, ref used);
            }
            captured = list;
        }

        return new SyscallRecord
        {
            TimestampNs = enterEntry.Timestamp,
            ExitTimestampNs = whole ? (L.ExitTimestamp(enter) is var exitTime and not 0 ? exitTime : null) : exitEntry?.Timestamp,
            Cpu = enterEntry.Cpu,
            ProcessId = L.ProcessId(enter),
            ThreadId = L.ThreadId(enter),
            Command = InternCommand(L.Command(enter)),
            Number = L.AbiNumber(L.Number(enter)),
            Is32Bit = L.IsCompat(L.Number(enter)),
            Arguments = arguments,
            ReturnValue = whole ? L.ReturnValue(enter) : exitEntry is null ? null : L.ReturnValue(exit),
            Captured = captured,
        };
    }

    /// <summary>
    /// The task's comm as UTF-8, as the gadgets read it (a name set with PR_SET_NAME is the process's bytes, UTF-8 in
    /// practice). The kernel cuts a comm at 15 bytes, maybe inside a character: the cut sequence, like any invalid byte,
    /// is one U+FFFD, and what precedes it is kept as it was. Interned without allocating once a comm was seen.
    /// </summary>
    private string InternCommand(ReadOnlySpan<byte> comm)
    {
        Span<char> chars = stackalloc char[L.CommandLength]; // (UTF-8 decodes to at most one UTF-16 unit a byte)
        System.Text.Unicode.Utf8.ToUtf16(comm, chars, out _, out var n, replaceInvalidSequences: true);
        var lookup = _commands.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars[..n], out var existing))
        {
            return existing;
        }
        var s = new string(chars[..n]);
        _commands.Add(s);
        return s;
    }
}
