namespace Gadget.Bpf.Interop;

/// <summary>
/// A perf ring's memory as <see cref="PerfRingParser"/> reads it: the <c>struct perf_event_mmap_page</c> (its
/// <c>data_head</c> and <c>data_tail</c>) and the data area of <see cref="Size"/> bytes (a power of two), mapped once: a
/// record may wrap around its end. Comes from the kernel's mapping, or from plain memory in a unit test.
/// </summary>
internal readonly unsafe struct PerfRingMemory
{
    internal PerfRingMemory(byte* metadata, byte* data, ulong size)
    {
        Metadata = metadata;
        Data = data;
        Size = size;
    }

    /// <summary>The <c>struct perf_event_mmap_page</c>.</summary>
    internal byte* Metadata { get; }

    /// <summary>The first byte of the data area.</summary>
    internal byte* Data { get; }

    /// <summary>Size of the data area in bytes, a power of two.</summary>
    internal ulong Size { get; }

    /// <summary><see cref="Size"/> - 1: masks a head or tail position into an offset.</summary>
    internal ulong Mask => Size - 1;

    /// <summary><c>data_head</c>, read with acquire semantics (pairs with the kernel's release store).</summary>
    internal ulong Head => Volatile.Read(ref *(ulong*)(Metadata + PerfAbi.PerfPageDataHead));

    /// <summary><c>data_tail</c>: read plainly (only the reader writes it), written with release semantics.</summary>
    internal ulong Tail
    {
        get => *(ulong*)(Metadata + PerfAbi.PerfPageDataTail);
        set => Volatile.Write(ref *(ulong*)(Metadata + PerfAbi.PerfPageDataTail), value);
    }
}
