namespace Gadget.Gadgets;

/// <summary>One <see cref="FileTop"/> interval: the files read or written, in <see cref="FileTopOptions.Sort"/> order.</summary>
/// <param name="Time">When the interval ended (UTC).</param>
/// <param name="Interval">How long the interval was.</param>
/// <param name="Files">Per process and file, sorted descending.</param>
public sealed record FileTopSnapshot(DateTimeOffset Time, TimeSpan Interval, IReadOnlyList<FileTraffic> Files);
