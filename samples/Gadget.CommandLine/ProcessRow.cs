using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>One process of a process snapshot and the time the snapshot was taken.</summary>
/// <param name="Process">The process as the kernel's task iterator found it.</param>
/// <param name="Time">When the snapshot was taken.</param>
public sealed record ProcessRow(ProcessSnapshotEntry Process, EventTime Time);
