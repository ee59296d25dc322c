namespace Gadget.Bpf.Interop;

/// <summary>
/// One BPF ring buffer mapped into this process, as the kernel lays it out (<c>kernel/bpf/ringbuf.c</c>): the consumer
/// page (read-write, offset 0) holds <c>consumer_pos</c>; the producer page (read-only, offset one page) holds
/// <c>producer_pos</c> and is followed by the data area, mapped twice in a row so that a record that wraps around the
/// end of the ring is still contiguous in memory.
/// </summary>
internal sealed unsafe class RingBufferMapping
{
    internal RingBufferMapping(int index, string name, int mapFd, byte* consumerPage, byte* producerPage, nuint pageSize, ulong size)
    {
        Index = index;
        Name = name;
        MapFd = mapFd;
        ConsumerPage = consumerPage;
        ProducerPage = producerPage;
        PageSize = pageSize;
        Size = size;
        ConsumerPosition = (ulong*)consumerPage;
        ProducerPosition = (ulong*)producerPage;
        Data = producerPage + pageSize;
        Mask = size - 1;
    }

    /// <summary>The ring's index in its reader.</summary>
    internal int Index { get; }

    /// <summary>The map's name, for messages.</summary>
    internal string Name { get; }

    /// <summary>The reader's own duplicate of the map's descriptor (closed with the mapping).</summary>
    internal int MapFd { get; }

    internal byte* ConsumerPage { get; }

    internal byte* ProducerPage { get; }

    internal nuint PageSize { get; }

    /// <summary>The data area's size in bytes (a power of two).</summary>
    internal ulong Size { get; }

    internal ulong* ConsumerPosition { get; }

    internal ulong* ProducerPosition { get; }

    internal byte* Data { get; }

    internal ulong Mask { get; }

    /// <summary>Unmaps both regions and closes the descriptor.</summary>
    internal void Release()
    {
        Libc.munmap((nint)ConsumerPage, PageSize);
        Libc.munmap((nint)ProducerPage, PageSize + (nuint)(2 * Size));
        Libc.close(MapFd);
    }
}
