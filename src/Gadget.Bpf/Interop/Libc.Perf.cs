namespace Gadget.Bpf.Interop;

/// <summary>Constants of the perf ring buffer ABI (<c>include/uapi/linux/perf_event.h</c>) used by <see cref="PerfBufferReader"/>.</summary>
internal static partial class Libc
{
    /// <summary>No such device: <c>perf_event_open</c> on an offline CPU.</summary>
    internal const int ENODEV = 19;

    /// <summary>Offset of <c>data_head</c> in <c>struct perf_event_mmap_page</c>.</summary>
    internal const int PerfPageDataHead = 1024;

    /// <summary>Offset of <c>data_tail</c> in <c>struct perf_event_mmap_page</c>.</summary>
    internal const int PerfPageDataTail = 1032;

    /// <summary>Offset of <c>data_offset</c> (kernel 4.1+; 0 before, when data starts at the second page).</summary>
    internal const int PerfPageDataOffset = 1040;

    /// <summary>Offset of <c>data_size</c> (kernel 4.1+).</summary>
    internal const int PerfPageDataSize = 1048;

    /// <summary><c>PERF_RECORD_LOST</c>: <c>{ u64 id; u64 lost; }</c> follows the header.</summary>
    internal const uint PERF_RECORD_LOST = 2;

    /// <summary><c>PERF_RECORD_SAMPLE</c>: with <c>PERF_SAMPLE_RAW</c> only, <c>{ u32 size; u8 data[size]; }</c> follows the header.</summary>
    internal const uint PERF_RECORD_SAMPLE = 9;

    /// <summary>Size of <c>struct perf_event_header</c> (<c>u32 type; u16 misc; u16 size</c>).</summary>
    internal const int PerfEventHeaderSize = 8;
}
