namespace Gadget.Traceloop.Decoding;

/// <summary>
/// How <see cref="SyscallFormatter"/> prints syscalls. A record: options are compared by value, and a copy with one setting
/// changed is <c>options with { IncludeDuration = true }</c>, which carries every other setting.
/// </summary>
public sealed record SyscallFormatterOptions
{
    /// <summary>
    /// Bytes of a string or buffer printed before <c>...</c>, and elements of an array (argv, iovecs, pollfds) (strace's
    /// <c>-s</c>; default 32). Paths are printed whole, as strace does. A buffer is printed only as far as it was recorded
    /// (<see cref="TraceloopOptions.BufferCaptureBytes"/>); with 0, <c>""...</c> stands for a buffer that held data.
    /// </summary>
    public int StringLimit { get; init; } = 32;

    /// <summary>Prefix each line with <c>[pid TID] </c> (the thread id, like <c>strace -f</c> on a terminal).</summary>
    public bool IncludeThreadId { get; init; }

    /// <summary>Prefix each line with the entry time in seconds since boot, with microseconds (<c>1234.567890 </c>), before the thread id.</summary>
    public bool IncludeTimestamp { get; init; }

    /// <summary>
    /// Prefix each line with the entry's wall-clock time, after the thread id as strace prints it
    /// (<c>[pid 43] 14:03:07.123456 openat(...)</c>). Records carry <c>CLOCK_BOOTTIME</c>: the time is that plus
    /// <see cref="RealtimeOffsetNs"/>, so a wall clock stepped (NTP, settimeofday) between the call and the printing shifts
    /// it by that step. Default: none.
    /// </summary>
    public SyscallTimeOfDay TimeOfDay { get; init; }

    /// <summary>
    /// The wall clock (<c>CLOCK_REALTIME</c>) minus <c>CLOCK_BOOTTIME</c>, in nanoseconds, that <see cref="TimeOfDay"/>
    /// converts with; <c>null</c> (the default): both clocks are read when the formatter is created.
    /// </summary>
    public long? RealtimeOffsetNs { get; init; }

    /// <summary>The time zone of <see cref="SyscallTimeOfDay.Seconds"/> and <see cref="SyscallTimeOfDay.Microseconds"/>; <c>null</c> (the default): the local one.</summary>
    public TimeZoneInfo? TimeZone { get; init; }

    /// <summary>
    /// Append the time spent in each call, <c> &lt;0.000123&gt;</c> in seconds (strace's <c>-T</c>), from its entry to its exit
    /// time (<see cref="SyscallRecord.ExitTimestampNs"/>). A call without an exit time prints none: one that never
    /// returned (<c>= ?</c>, as strace prints <c>exit_group</c>), and one that returned without its thread being switched
    /// out when the recorder did not read every exit's clock (<see cref="TraceloopOptions.ExitTimestamps"/>).
    /// </summary>
    public bool IncludeDuration { get; init; }

    /// <summary>The default options: strace's defaults (<c>-s 32</c>, no prefix).</summary>
    public static SyscallFormatterOptions Default { get; } = new();

    /// <summary>A copy with <see cref="IncludeThreadId"/> set to <paramref name="includeThreadId"/>, every other setting kept.</summary>
    internal SyscallFormatterOptions WithThreadId(bool includeThreadId) => this with { IncludeThreadId = includeThreadId };
}
