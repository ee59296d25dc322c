using System.Buffers.Binary;

namespace Gadget.Bpf.Tests;

/// <summary>The head of <c>struct burst_record</c> as read from a perf record, with its CPU and delivered length.</summary>
internal readonly record struct BurstRecord(int Cpu, ulong Sequence, uint Size, uint Marker, int Length)
{
    internal static BurstRecord Parse(int cpu, ReadOnlySpan<byte> data) => new(
        cpu,
        BinaryPrimitives.ReadUInt64LittleEndian(data),
        BinaryPrimitives.ReadUInt32LittleEndian(data[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[12..]),
        data.Length);

    /// <summary>Whether the record is whole: marker, and the length the kernel reports for the size the program wrote.</summary>
    internal bool IsIntact => Marker == BurstEmitter.Marker && Size >= 16 && Length == BurstEmitter.PaddedLength((int)Size);
}
