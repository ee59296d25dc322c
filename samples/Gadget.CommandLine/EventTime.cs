namespace Gadget.CommandLine;

/// <summary>When an event happened: wall-clock time and the kernel's CLOCK_BOOTTIME in nanoseconds.</summary>
/// <param name="Wall">Wall-clock time (UTC).</param>
/// <param name="BootNanoseconds">CLOCK_BOOTTIME, in nanoseconds, as the BPF program read it.</param>
public readonly record struct EventTime(DateTimeOffset Wall, ulong BootNanoseconds)
{
    private static readonly long BootEpochTicks = DateTimeOffset.UtcNow.UtcTicks - (long)(Gadget.Bpf.BpfEnvironment.BootTimeNanoseconds / 100);

    /// <summary>From the kernel's boot-time nanoseconds.</summary>
    public static EventTime FromBoot(ulong bootNanoseconds) => new(new DateTimeOffset(BootEpochTicks + (long)(bootNanoseconds / 100), TimeSpan.Zero), bootNanoseconds);

    /// <summary>From a wall-clock time the library computed from the kernel's boot-time clock (converted back).</summary>
    public static EventTime FromWall(DateTimeOffset wall) => new(wall, (ulong)Math.Max(0, (wall.UtcTicks - BootEpochTicks) * 100));

    /// <summary>Now.</summary>
    public static EventTime Now() => FromBoot(Gadget.Bpf.BpfEnvironment.BootTimeNanoseconds);
}
