namespace Gadget.Bpf;

/// <summary>
/// The records a <see cref="RingBufferReader"/> has available now, for one <c>foreach</c> (see
/// <see cref="RingBufferReader.ReadAvailable"/>). Allocates nothing.
/// </summary>
public readonly ref struct RingBufferRecords
{
    private readonly RingBufferReader _reader;

    internal RingBufferRecords(RingBufferReader reader) => _reader = reader;

    /// <summary>Starts the enumeration; <c>foreach</c> calls this and disposes the enumerator at the end.</summary>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    public RingBufferRecordEnumerator GetEnumerator() => _reader.Enumerate();
}
