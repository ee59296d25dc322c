namespace Gadget.Bpf;

/// <summary>Receives one perf buffer record; <paramref name="record"/> is valid only during the call (see <see cref="IPerfBufferHandler.OnRecord"/>).</summary>
/// <param name="cpu">The CPU whose ring held the record.</param>
/// <param name="record">The record's bytes.</param>
public delegate void PerfRecordHandler(int cpu, ReadOnlySpan<byte> record);
