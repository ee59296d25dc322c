namespace Gadget.Bpf;

/// <summary>How a <see cref="PerfBufferReader"/> sets up its per-CPU perf ring buffers (a <see cref="PerfFlightRecorder"/> takes only a page count).</summary>
public sealed class PerfBufferOptions
{
    /// <summary>
    /// Data pages per CPU; a power of two (the kernel's requirement). The default, 64, gives 256 KiB per CPU with 4 KiB pages.
    /// One more page per CPU holds the ring's metadata.
    /// </summary>
    public int PageCount { get; set; } = 64;

    /// <summary>
    /// Wake a waiting reader after this many records (<c>wakeup_events</c>); 1 (the default) wakes it for every record, 0 when
    /// a ring is half full (the kernel's default watermark). Ignored when <see cref="WakeupWatermarkBytes"/> is set.
    /// </summary>
    public int WakeupEvents { get; set; } = 1;

    /// <summary>
    /// When above 0, wake a waiting reader once this many bytes are in a CPU's ring (<c>watermark</c> + <c>wakeup_watermark</c>)
    /// instead of counting records. Records below the watermark are still read at the end of a <see cref="PerfBufferReader.Poll{THandler}(ref THandler, int, CancellationToken)"/> timeout.
    /// </summary>
    public int WakeupWatermarkBytes { get; set; }
}
