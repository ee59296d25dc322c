namespace Gadget.Bpf.Interop;

/// <summary>
/// The perf event ABI (<c>include/uapi/linux/perf_event.h</c>) used by <see cref="PerfBufferReader"/>: the same on x86-64
/// and arm64 (checked against both architectures' headers by LinuxAbiHeaderTests); the syscall number is per architecture
/// (<see cref="Gadget.Linux.LinuxAbi"/>).
/// </summary>
internal static class PerfAbi
{
    /// <summary><c>perf_event_open</c> flag: the new descriptor is close-on-exec.</summary>
    internal const uint PERF_FLAG_FD_CLOEXEC = 8;

    /// <summary><c>_IO('$', 0)</c>.</summary>
    internal const nuint PERF_EVENT_IOC_ENABLE = 0x2400;

    /// <summary><c>_IOW('$', 9, __u32)</c>.</summary>
    internal const nuint PERF_EVENT_IOC_PAUSE_OUTPUT = 0x40042409;

    /// <summary>
    /// Offsets in <c>struct perf_event_mmap_page</c> (the ring's first page) of <c>data_head</c>, <c>data_tail</c>,
    /// <c>data_offset</c> and <c>data_size</c> (the last two: kernel 4.1+; 0 before, when data starts at the second page).
    /// </summary>
    internal const int PerfPageDataHead = 1024, PerfPageDataTail = 1032, PerfPageDataOffset = 1040, PerfPageDataSize = 1048;

    /// <summary>
    /// Record types: after the header, <c>PERF_RECORD_LOST</c> has <c>{ u64 id; u64 lost; }</c>, <c>PERF_RECORD_SAMPLE</c>
    /// (with <c>PERF_SAMPLE_RAW</c> only) <c>{ u32 size; u8 data[size]; }</c>.
    /// </summary>
    internal const uint PERF_RECORD_LOST = 2, PERF_RECORD_SAMPLE = 9;

    /// <summary>Size of <c>struct perf_event_header</c> (<c>u32 type; u16 misc; u16 size</c>).</summary>
    internal const int PerfEventHeaderSize = 8;
}
