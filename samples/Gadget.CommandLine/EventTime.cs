namespace Gadget.CommandLine;

/// <summary>When an event happened: wall-clock time and the kernel's CLOCK_BOOTTIME in nanoseconds.</summary>
/// <param name="Wall">Wall-clock time (UTC).</param>
/// <param name="BootNanoseconds">CLOCK_BOOTTIME, in nanoseconds, as the BPF program read it.</param>
public readonly record struct EventTime(DateTimeOffset Wall, ulong BootNanoseconds)
{
    /// <summary>From the kernel's boot-time nanoseconds.</summary>
    public static EventTime FromBoot(ulong bootNanoseconds) => new(BootClock.ToUtc(bootNanoseconds), bootNanoseconds);

    /// <summary>From a wall-clock time the library computed from the kernel's boot-time clock (converted back).</summary>
    public static EventTime FromWall(DateTimeOffset wall) => new(wall, BootClock.FromUtc(wall));

    /// <summary>Now.</summary>
    public static EventTime Now() => FromBoot(BootClock.NowNanoseconds());
}
