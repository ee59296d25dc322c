namespace Gadget.Bpf.Interop;

/// <summary>
/// A BPF ring buffer's memory as <see cref="RingBufferParser"/> reads it (<c>kernel/bpf/ringbuf.c</c>): <c>consumer_pos</c>
/// (written by the reader), <c>producer_pos</c> (written by the kernel), and the data area of <see cref="Size"/> bytes
/// (a power of two) followed by a second copy of itself, so that a record wrapping around the end is contiguous. The
/// kernel gets that copy by mapping the data pages twice; an in-memory ring (a test) writes both halves.
/// </summary>
internal readonly unsafe struct RingBufferMemory
{
    internal RingBufferMemory(ulong* consumerPosition, ulong* producerPosition, byte* data, ulong size)
    {
        ConsumerPosition = consumerPosition;
        ProducerPosition = producerPosition;
        Data = data;
        Size = size;
    }

    internal ulong* ConsumerPosition { get; }

    internal ulong* ProducerPosition { get; }

    /// <summary>The data area, <see cref="Size"/> bytes followed by the same bytes again.</summary>
    internal byte* Data { get; }

    /// <summary>The data area's size in bytes (a power of two).</summary>
    internal ulong Size { get; }

    internal ulong Mask => Size - 1;
}
