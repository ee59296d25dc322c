namespace Gadget.Bpf;

/// <summary>
/// Gives the key that orders a perf buffer record among the records of all CPUs, typically a timestamp the BPF program put in
/// it (e.g. from <c>bpf_ktime_get_boot_ns()</c>). Within one CPU, keys must not decrease from older to newer records.
/// </summary>
/// <param name="record">The record's bytes, as <see cref="IPerfBufferHandler.OnRecord"/> would receive them.</param>
/// <returns>The record's ordering key.</returns>
public delegate ulong PerfRecordOrderKey(ReadOnlySpan<byte> record);
