namespace Gadget.Bpf;

/// <summary>Adapts the delegate overloads of the perf readers to <see cref="IPerfBufferHandler"/>, without allocating.</summary>
internal readonly struct DelegatePerfBufferHandler(PerfRecordHandler records, PerfLostHandler? lost) : IPerfBufferHandler
{
    public void OnRecord(int cpu, ReadOnlySpan<byte> record) => records(cpu, record);

    public void OnLost(int cpu, ulong count) => lost?.Invoke(cpu, count);
}
