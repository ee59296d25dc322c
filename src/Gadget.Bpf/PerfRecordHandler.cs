namespace Gadget.Bpf;

/// <summary>Receives one perf buffer record; <paramref name="data"/> is valid only during the call (see <see cref="IPerfBufferHandler.OnRecord"/>).</summary>
/// <param name="cpu">The CPU whose ring held the record.</param>
/// <param name="data">The record's bytes.</param>
public delegate void PerfRecordHandler(int cpu, ReadOnlySpan<byte> data);
