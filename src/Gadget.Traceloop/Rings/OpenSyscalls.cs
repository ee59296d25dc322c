using System.Buffers.Binary;
using Gadget.Bpf;

namespace Gadget.Traceloop.Rings;

/// <summary>
/// The syscalls still open in the kernel: bpf/traceloop.bpf.c keeps the enter record of the last syscall a recorded thread
/// entered on each CPU in that CPU's scratch buffer (<c>struct scratch_buffer</c>) until its exit completes it into one
/// record; a syscall that blocks there (a read when the container hung or crashed) is only there. A dump reads them before
/// it reads the ring, so that one that returns meanwhile is in the ring (the assembler then drops its open copy).
/// </summary>
/// <remarks>
/// The BPF program on a CPU may write its buffer while user space copies it: every change increments the buffer's
/// generation first, and a copy is taken between two copies that show the same generation (it is then whole).
/// </remarks>
internal sealed class OpenSyscalls
{
    /// <summary>Offsets in <c>struct scratch_buffer</c> (checked against the object's BTF by a test).</summary>
    internal const int OpenTidOffset = 8, OpenSlotOffset = 12, OpenCgroupOffset = 16, OpenSizeOffset = 24, GenerationOffset = 28,
        DataOffset = 48;

    private const int Attempts = 4;

    private readonly BpfMap _scratch;
    private readonly Lock _gate = new();
    private readonly int _stride;
    private readonly byte[][] _copies = new byte[3][];

    internal OpenSyscalls(BpfMap scratch)
    {
        _scratch = scratch;
        _stride = (scratch.ValueSize + 7) & ~7;
        for (var i = 0; i < _copies.Length; i++)
        {
            _copies[i] = new byte[_stride * BpfEnvironment.PossibleCpuCount];
        }
    }

    /// <summary>Gives <paramref name="add"/> the enter record of each syscall open for <paramref name="cgroupId"/>'s ring in
    /// slot <paramref name="slot"/>, with its CPU.</summary>
    internal void Read(uint slot, ulong cgroupId, HistoryAssembler add)
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
                    var before = Buffer(_copies[0], cpu);
                    var copy = Buffer(_copies[1], cpu);
                    var after = Buffer(_copies[2], cpu);
                    if (Generation(before) == Generation(after))
                    {
                        if (Open(copy, slot, cgroupId) is { IsEmpty: false } record)
                        {
                            add.AddInFlight(cpu, record);
                        }
                        break;
                    }
                    if (attempt == Attempts)
                    {
                        break; // that CPU keeps changing it: its open syscall is returning, its record will be in the ring
                    }
                    // A later window: the last two copies and a new one.
                    (_copies[0], _copies[1], _copies[2]) = (_copies[1], _copies[2], _copies[0]);
                    _scratch.TryLookup(key, _copies[2]);
                }
            }
        }
    }

    private Span<byte> Buffer(byte[] values, int cpu) => values.AsSpan(cpu * _stride, _stride);

    private static uint Generation(ReadOnlySpan<byte> buffer) => BinaryPrimitives.ReadUInt32LittleEndian(buffer[GenerationOffset..]);

    private static ReadOnlySpan<byte> Open(ReadOnlySpan<byte> buffer, uint slot, ulong cgroupId)
    {
        var size = BinaryPrimitives.ReadUInt32LittleEndian(buffer[OpenSizeOffset..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(buffer[OpenTidOffset..]) == 0 ||
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[OpenSlotOffset..]) != slot ||
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[OpenCgroupOffset..]) != cgroupId ||
            size > buffer.Length - DataOffset)
        {
            return default;
        }
        return buffer.Slice(DataOffset, (int)size);
    }
}
