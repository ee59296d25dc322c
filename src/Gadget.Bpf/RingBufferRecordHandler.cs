namespace Gadget.Bpf;

/// <summary>
/// Receives one record of a <see cref="RingBufferReader"/>. The span points into the kernel's ring buffer memory and is
/// valid only until the handler returns. To know which ring a record came from, use <see cref="IRingBufferHandler"/>.
/// </summary>
/// <param name="record">The record's bytes.</param>
public delegate void RingBufferRecordHandler(ReadOnlySpan<byte> record);
