using System.Runtime.InteropServices;

namespace Gadget.Benchmarks;

/// <summary>libbpf's own perf buffer consumer (<c>perf_buffer__*</c> in libbpf.so.1), the baseline of <see cref="PerfBufferConsumeBenchmarks"/>.</summary>
internal static unsafe partial class LibbpfPerfBuffer
{
    private const string Library = "libbpf.so.1";

    /// <summary>
    /// <c>struct perf_buffer *perf_buffer__new(int map_fd, size_t page_cnt, perf_buffer_sample_fn sample_cb,
    /// perf_buffer_lost_fn lost_cb, void *ctx, const struct perf_buffer_opts *opts)</c>: one ring of page_cnt pages per CPU.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "perf_buffer__new", SetLastError = true)]
    internal static partial nint New(int mapFd, nuint pageCount, nint sampleCallback, nint lostCallback, void* context, void* options);

    /// <summary><c>int perf_buffer__consume(struct perf_buffer *pb)</c>: reads every CPU's ring; 0 or a negative errno.</summary>
    [LibraryImport(Library, EntryPoint = "perf_buffer__consume")]
    internal static partial int Consume(nint perfBuffer);

    /// <summary><c>void perf_buffer__free(struct perf_buffer *pb)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "perf_buffer__free")]
    internal static partial void Free(nint perfBuffer);
}
