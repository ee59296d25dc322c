namespace Gadget.Bpf.Tests;

/// <summary>A struct ring buffer handler that records the ring and sequence number of each burst record.</summary>
internal struct SequenceCollector() : IRingBufferHandler
{
    public List<(int Ring, ulong Sequence)> Records { get; } = [];

    public readonly IEnumerable<ulong> Sequences => Records.Select(r => r.Sequence);

    public readonly void OnRecord(int ring, ReadOnlySpan<byte> record) => Records.Add((ring, RingBufferTestObject.Sequence(record)));
}
