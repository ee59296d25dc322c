namespace Gadget.Bpf.Tests;

/// <summary>A struct handler (the allocation-free path) that collects burst records and loss reports.</summary>
internal struct BurstCollector : IPerfBufferHandler
{
    public BurstCollector()
    {
    }

    internal List<BurstRecord> Records { get; } = [];

    internal List<(int Cpu, ulong Count)> Losses { get; } = [];

    public readonly void OnRecord(int cpu, ReadOnlySpan<byte> data) => Records.Add(BurstRecord.Parse(cpu, data));

    public readonly void OnLost(int cpu, ulong count) => Losses.Add((cpu, count));
}
