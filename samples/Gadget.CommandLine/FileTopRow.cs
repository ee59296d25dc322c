using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>One row of a <c>top file</c> table and the time of its snapshot.</summary>
/// <param name="File">The process's reads and writes of the file during the interval.</param>
/// <param name="Time">When the table was taken.</param>
public sealed record FileTopRow(FileTraffic File, DateTimeOffset Time);
