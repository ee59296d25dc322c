namespace Gadget.Bpf;

/// <summary>What <see cref="PerfRingParser.Parse"/> found in a perf record.</summary>
internal enum PerfRecordKind
{
    /// <summary>A <c>PERF_RECORD_SAMPLE</c> with its raw data (what the BPF program wrote).</summary>
    Sample,

    /// <summary>A <c>PERF_RECORD_LOST</c>: how many records the kernel dropped.</summary>
    Lost,

    /// <summary>Another record type (none is expected from a BPF output event): skipped.</summary>
    Other,

    /// <summary>A sample whose raw size exceeds its record: skipped.</summary>
    Malformed,
}
