namespace Gadget.Bpf;

/// <summary>Adapts a <see cref="RingBufferRecordHandler"/> delegate to <see cref="IRingBufferHandler"/>, without allocating.</summary>
internal readonly struct DelegateRingBufferHandler(RingBufferRecordHandler handler) : IRingBufferHandler
{
    public void OnRecord(int ring, ReadOnlySpan<byte> record) => handler(record);
}
