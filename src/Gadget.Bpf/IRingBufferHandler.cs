namespace Gadget.Bpf;

/// <summary>
/// Receives records from a <see cref="RingBufferReader"/>. Implement it on a struct (or a ref struct) and pass it by
/// reference to <see cref="RingBufferReader.Consume{THandler}(ref THandler)"/>: the call is then specialized for the
/// handler, with no delegate call, boxing or allocation per record.
/// </summary>
public interface IRingBufferHandler
{
    /// <summary>Called once per record, in the order the BPF programs submitted them to that ring.</summary>
    /// <param name="ring">Which ring buffer the record came from: the index <see cref="RingBufferReader.Add"/> returned.</param>
    /// <param name="record">
    /// The record's bytes, read directly from the kernel's ring buffer memory. Valid only during this call: the space is
    /// handed back to the kernel when the call returns. Copy what you need to keep.
    /// </param>
    void OnRecord(int ring, ReadOnlySpan<byte> record);
}
