using System.Runtime.InteropServices;

namespace Gadget.Benchmarks;

/// <summary>libbpf's own ring buffer consumer (<c>ring_buffer__*</c> in libbpf.so.1), the baseline of the benchmarks.</summary>
internal static unsafe partial class LibbpfRingBuffer
{
    private const string Library = "libbpf.so.1";

    /// <summary><c>struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx, const struct ring_buffer_opts *opts)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "ring_buffer__new", SetLastError = true)]
    internal static partial nint New(int mapFd, nint sampleCallback, void* context, void* options);

    /// <summary><c>int ring_buffer__consume(struct ring_buffer *rb)</c>: the number of records, or a negative errno.</summary>
    [LibraryImport(Library, EntryPoint = "ring_buffer__consume")]
    internal static partial int Consume(nint ringBuffer);

    /// <summary><c>int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms)</c>: waits in epoll_wait, then consumes; the number of records, or a negative errno.</summary>
    [LibraryImport(Library, EntryPoint = "ring_buffer__poll")]
    internal static partial int Poll(nint ringBuffer, int timeoutMilliseconds);

    /// <summary><c>void ring_buffer__free(struct ring_buffer *rb)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "ring_buffer__free")]
    internal static partial void Free(nint ringBuffer);
}
