namespace Gadget.Bpf;

/// <summary>
/// Receives the records of a <see cref="PerfBufferReader"/> or a <see cref="PerfFlightRecorder"/>. Implement it on a struct and pass it by <c>ref</c> so that the
/// calls are direct and nothing is allocated.
/// </summary>
public interface IPerfBufferHandler
{
    /// <summary>
    /// One record, as the BPF program passed it to <c>bpf_perf_event_output</c>. The span points into the ring buffer (or a
    /// reusable scratch buffer for a record that wraps around the ring's end) and is valid only during this call: copy what you keep.
    /// The kernel pads the record so that its 4-byte length plus the data fill whole 8-byte words: the span can end with up to
    /// 7 zero bytes after what the program wrote (its length is <c>round_up(n + 4, 8) - 4</c> for <c>n</c> bytes written).
    /// </summary>
    /// <param name="cpu">The CPU whose ring held the record (the CPU the program ran on, with <c>BPF_F_CURRENT_CPU</c>).</param>
    /// <param name="record">The record's bytes.</param>
    void OnRecord(int cpu, ReadOnlySpan<byte> record);

    /// <summary>The kernel dropped <paramref name="count"/> records on <paramref name="cpu"/> because its ring was full (<c>PERF_RECORD_LOST</c>).</summary>
    /// <param name="cpu">The CPU whose ring was full.</param>
    /// <param name="count">How many records were dropped.</param>
    void OnLost(int cpu, ulong count);
}
