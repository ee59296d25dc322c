using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>One socket of a socket snapshot and the time the snapshot was taken.</summary>
/// <param name="Socket">The socket as the kernel's socket iterators found it.</param>
/// <param name="Time">When the snapshot was taken.</param>
public sealed record SocketRow(SocketSnapshotEntry Socket, EventTime Time);
