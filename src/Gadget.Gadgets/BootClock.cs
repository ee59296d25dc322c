using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary>Turns the kernel's <c>bpf_ktime_get_boot_ns()</c> (CLOCK_BOOTTIME) into wall-clock time.</summary>
internal static partial class BootClock
{
    private const int ClockBootTime = 7;
    private static readonly long BootEpochTicks = ComputeBootEpoch();

    /// <summary>The UTC time of a CLOCK_BOOTTIME timestamp in nanoseconds.</summary>
    public static DateTimeOffset ToUtc(ulong bootNanoseconds) =>
        new(BootEpochTicks + (long)(bootNanoseconds / 100), TimeSpan.Zero);

    /// <summary>CLOCK_BOOTTIME now, in nanoseconds.</summary>
    public static ulong NowNanoseconds()
    {
        clock_gettime(ClockBootTime, out var now);
        return (ulong)(now.Seconds * 1_000_000_000L + now.Nanoseconds);
    }

    private static long ComputeBootEpoch()
    {
        var utc = DateTimeOffset.UtcNow.UtcTicks;
        return utc - (long)(NowNanoseconds() / 100);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
