using System.Runtime.InteropServices;
using Gadget.Bpf;
using Gadget.Traceloop.Bpf;

namespace Gadget.Traceloop.Rings;

/// <summary>
/// What the kernel holds for a ring and has not written to it yet, in each CPU's scratch buffer (<c>struct scratch_buffer</c>
/// in bpf/traceloop_captures.h): the batch of complete records the BPF program writes to the ring together (one perf record
/// per batch), and the open syscall (the enter record of the last syscall a recorded thread entered on that CPU, which its
/// exit completes: a syscall that blocks, or a container's last one, is only there). A dump reads them before it reads the
/// ring, so that what is written to the ring meanwhile is there (the assembler drops the copies it read here).
/// </summary>
/// <remarks>
/// The BPF program on a CPU may change its buffer while user space copies it: its generation is odd while it does, and a copy
/// is taken between two copies that show the same even generation (no change happened in between: it is whole). A CPU that
/// keeps changing it (a container busy making syscalls there) gives the records that are the same in two successive copies:
/// a record in the batch does not change once written, one being written does.
/// </remarks>
internal sealed class UnwrittenRecords
{
    private const int Attempts = 8;

    private readonly BpfMap _scratch;
    private readonly Lock _gate = new();
    private readonly int _stride;
    private readonly byte[][] _copies = new byte[3][];

    internal UnwrittenRecords(BpfMap scratch)
    {
        if (scratch.ValueSize != ScratchBuffer.Size)
        {
            throw new InvalidOperationException($"The scratch map's values are {scratch.ValueSize} bytes, struct scratch_buffer is {ScratchBuffer.Size}: the object is not the one Gadget.Traceloop was built with.");
        }
        _scratch = scratch;
        _stride = (scratch.ValueSize + 7) & ~7;
        for (var i = 0; i < _copies.Length; i++)
        {
            _copies[i] = new byte[_stride * BpfEnvironment.PossibleCpuCount];
        }
    }

    /// <summary>Gives <paramref name="assembler"/> each CPU's batch and open syscall for <paramref name="cgroupId"/>'s ring
    /// in slot <paramref name="slot"/>.</summary>
    internal void Read(uint slot, ulong cgroupId, HistoryAssembler assembler)
    {
        Span<byte> key = stackalloc byte[4];
        lock (_gate)
        {
            _scratch.TryLookup(key, _copies[0]);
            _scratch.TryLookup(key, _copies[1]);
            _scratch.TryLookup(key, _copies[2]);
            var cpus = _copies[0].Length / _stride;
            for (var cpu = 0; cpu < cpus; cpu++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var before = Generation(Buffer(_copies[0], cpu));
                    if (before % 2 == 0 && before == Generation(Buffer(_copies[2], cpu)))
                    {
                        Take(Buffer(_copies[1], cpu), default, cpu, slot, cgroupId, assembler);
                        break;
                    }
                    if (attempt == Attempts)
                    {
                        Take(Buffer(_copies[1], cpu), Buffer(_copies[2], cpu), cpu, slot, cgroupId, assembler);
                        break;
                    }
                    // A later window: the last two copies and a new one.
                    (_copies[0], _copies[1], _copies[2]) = (_copies[1], _copies[2], _copies[0]);
                    _scratch.TryLookup(key, _copies[2]);
                }
            }
        }
    }

    private Span<byte> Buffer(byte[] values, int cpu) => values.AsSpan(cpu * _stride, _stride);

    private static uint Generation(Span<byte> buffer) => View(buffer).Generation;

    /// <summary>One CPU's copy of its scratch buffer, in place.</summary>
    private static ref ScratchBuffer View(Span<byte> buffer) => ref MemoryMarshal.AsRef<ScratchBuffer>(buffer);

    /// <summary>Gives the assembler what <paramref name="buffer"/> holds for the ring; when <paramref name="later"/> is not
    /// empty (the copy may be torn), only the bytes that are the same in both copies.</summary>
    private static void Take(Span<byte> buffer, Span<byte> later, int cpu, uint slot, ulong cgroupId, HistoryAssembler assembler)
    {
        ref var b = ref View(buffer);
        var used = b.BatchUsed;
        if (used > 0 && used <= (uint)b.Batch.Length && b.BatchSlot == slot && b.BatchCgroup == cgroupId)
        {
            ReadOnlySpan<byte> batch = b.Batch[..(int)used];
            if (!later.IsEmpty)
            {
                // The later copy's batch must be this ring's too: a batch copied after it was written out and refilled for
                // another ring is not this ring's (its header was copied before).
                ref var l = ref View(later);
                var same = l.BatchSlot == slot && l.BatchCgroup == cgroupId;
                batch = same ? batch[..Same(batch, l.Batch[..(int)used])] : default;
            }
            assembler.AddUnwritten(cpu, batch);
        }
        var size = b.OpenSize;
        if (b.OpenTid != 0 && b.OpenSlot == slot && b.OpenCgroup == cgroupId && size <= (uint)b.Data.Length)
        {
            ReadOnlySpan<byte> open = b.Data[..(int)size];
            if (later.IsEmpty || open.SequenceEqual(View(later).Data[..(int)size]))
            {
                assembler.AddInFlight(cpu, open);
            }
        }
    }

    /// <summary>The length of the whole records at the start of <paramref name="batch"/> that <paramref name="other"/> holds too.</summary>
    private static int Same(ReadOnlySpan<byte> batch, ReadOnlySpan<byte> other)
    {
        var same = batch.CommonPrefixLength(other);
        var whole = 0;
        while (whole + TraceloopRecordLayout.HeaderSize <= same)
        {
            var size = TraceloopRecordLayout.Size(batch[whole..]);
            if (size < TraceloopRecordLayout.HeaderSize || whole + size > same)
            {
                break;
            }
            whole += size;
        }
        return whole;
    }
}
