namespace Gadget.Bpf.Interop;

/// <summary>
/// One BPF ring buffer mapped into this process, as the kernel lays it out (<c>kernel/bpf/ringbuf.c</c>): the consumer
/// page (read-write, offset 0) holds <c>consumer_pos</c>; the producer page (read-only, offset one page) holds
/// <c>producer_pos</c> and is followed by the data area, mapped twice in a row so that a record that wraps around the
/// end of the ring is still contiguous in memory. Owned by its reader's <see cref="ReaderPoller"/>.
/// </summary>
internal sealed unsafe class RingBufferMapping : IDisposable
{
    private readonly int _mapFd;
    private readonly byte* _consumerPage;
    private readonly byte* _producerPage;
    private readonly nuint _pageSize;
    private bool _released;

    private RingBufferMapping(int index, string name, int mapFd, byte* consumerPage, byte* producerPage, nuint pageSize, ulong size)
    {
        Index = index;
        Name = name;
        _mapFd = mapFd;
        _consumerPage = consumerPage;
        _producerPage = producerPage;
        _pageSize = pageSize;
        Memory = new RingBufferMemory((ulong*)consumerPage, (ulong*)producerPage, producerPage + pageSize, size);
    }

    /// <summary>The ring's index in its reader.</summary>
    internal int Index { get; }

    /// <summary>The map's name, for messages.</summary>
    internal string Name { get; }

    /// <summary>The reader's own duplicate of the map's descriptor (in the reader's epoll set; closed with the mapping).</summary>
    internal int Fd => _mapFd;

    /// <summary>Positions and data, for <see cref="RingBufferParser"/>.</summary>
    internal RingBufferMemory Memory { get; }

    /// <summary>
    /// Maps ring buffer <paramref name="mapFd"/> (data of <paramref name="size"/> bytes): its consumer page read-write,
    /// its producer page and data read-only, the data twice. Keeps a duplicate of the descriptor.
    /// </summary>
    internal static RingBufferMapping Map(int index, string name, int mapFd, ulong size)
    {
        var pageSize = (nuint)Environment.SystemPageSize;
        var fd = Libc.fcntl(mapFd, Libc.F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Errno.ToException(Errno.Last, $"duplicate the descriptor of ring buffer '{name}'");
        }
        var consumerPage = Libc.mmap(0, pageSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (consumerPage == Libc.MapFailed)
        {
            var errno = Errno.Last;
            Libc.close(fd);
            throw Errno.ToException(errno, $"map the consumer page of ring buffer '{name}' (mmap)");
        }
        var producerPage = Libc.mmap(0, pageSize + (nuint)(2 * size), Libc.PROT_READ, Libc.MAP_SHARED, fd, (long)pageSize);
        if (producerPage == Libc.MapFailed)
        {
            var errno = Errno.Last;
            Libc.munmap(consumerPage, pageSize);
            Libc.close(fd);
            throw Errno.ToException(errno, $"map the producer page and data ({size} B, mapped twice) of ring buffer '{name}' (mmap)");
        }
        return new RingBufferMapping(index, name, fd, (byte*)consumerPage, (byte*)producerPage, pageSize, size);
    }

    /// <summary>Unmaps both regions and closes the descriptor.</summary>
    public void Dispose()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        Libc.munmap((nint)_consumerPage, _pageSize);
        Libc.munmap((nint)_producerPage, _pageSize + (nuint)(2 * Memory.Size));
        Libc.close(_mapFd);
    }
}
