using System.Buffers.Binary;

namespace Gadget.Bpf.Tests;

/// <summary>
/// syscall_events.bpf.o loaded for bursts: runs them (<see cref="BurstPrograms"/>) with BPF_PROG_TEST_RUN on one CPU and reads the
/// <c>.bss</c> counters (<c>perf_dropped</c>, <c>next_sequence</c>) from the loaded object's <c>.bss</c> map.
/// </summary>
internal sealed class BurstEmitter : IDisposable
{
    internal const uint Marker = 0x47414447; // "GADG"
    internal const uint TargetPerf = 1;
    internal const uint TargetOverwritable = 2;

    private readonly BpfMap _bss;
    private readonly int _perfDroppedOffset;
    private readonly int _nextSequenceOffset;

    internal BurstEmitter(uint outputMode = 0, uint targetTgid = 0)
    {
        // Distinct sentinels locate each global in the .bss value without assuming the compiler's layout.
        const ulong perfSentinel = 0x5EED_0000_0000_00A1, sequenceSentinel = 0x5EED_0000_0000_00A2;
        using (var spec = TestObjects.Open(TestObjects.SyscallEvents))
        {
            spec.SetGlobal("output_mode", outputMode);
            spec.SetGlobal("target_tgid", targetTgid);
            spec.SetGlobal("perf_dropped", perfSentinel);
            spec.SetGlobal("next_sequence", sequenceSentinel);
            Object = spec.Load();
        }
        try
        {
            _bss = Object.Maps.Single(m => m.Name.EndsWith(".bss", StringComparison.Ordinal));
            var value = ReadBss();
            _perfDroppedOffset = FindU64(value, perfSentinel);
            _nextSequenceOffset = FindU64(value, sequenceSentinel);
            BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(_perfDroppedOffset), 0);
            BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(_nextSequenceOffset), 0);
            _bss.Update(BitConverter.GetBytes(0u), value);
        }
        catch
        {
            Object.Dispose();
            throw;
        }
    }

    internal BpfObject Object { get; }

    /// <summary>Records the last burst could not write (perf ring full).</summary>
    internal ulong PerfDropped => BinaryPrimitives.ReadUInt64LittleEndian(ReadBss().AsSpan(_perfDroppedOffset));

    /// <summary>The sequence number the next record will get.</summary>
    internal ulong NextSequence => BinaryPrimitives.ReadUInt64LittleEndian(ReadBss().AsSpan(_nextSequenceOffset));

    /// <summary>Emits <paramref name="count"/> records of <paramref name="size"/> bytes to <paramref name="target"/> on <paramref name="cpu"/>.</summary>
    internal void Emit(ulong count, uint size, uint target, int cpu = 0) => BurstPrograms.Run(Object, count, size, target, cpu);

    /// <summary>The raw length the kernel reports for <paramref name="written"/> bytes: padded so that u32 size + data fill 8-byte words.</summary>
    internal static int PaddedLength(int written) => ((written + 4 + 7) & ~7) - 4;

    /// <summary>The whole perf record (header + u32 size + padded data) for a sample of <paramref name="written"/> bytes.</summary>
    internal static int RecordBytes(int written) => 8 + 4 + PaddedLength(written);

    public void Dispose() => Object.Dispose();

    private byte[] ReadBss()
    {
        var value = new byte[_bss.ValueSize];
        Assert.True(_bss.TryLookup(BitConverter.GetBytes(0u), value));
        return value;
    }

    private static int FindU64(byte[] value, ulong sentinel)
    {
        for (var offset = 0; offset + 8 <= value.Length; offset += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(offset)) == sentinel)
            {
                return offset;
            }
        }
        throw new InvalidOperationException($"sentinel {sentinel:x} not found in .bss");
    }
}
