using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>
/// The clock of <c>bpf_ktime_get_boot_ns()</c> (<c>CLOCK_BOOTTIME</c>: nanoseconds since boot, suspend included) and its
/// conversion to and from wall-clock time.
/// </summary>
/// <remarks>
/// The conversion takes the boot time as the wall clock minus <c>CLOCK_BOOTTIME</c>, read once per assembly when first
/// used: a later change of the wall clock (NTP step, settimeofday) does not move timestamps already converted.
/// </remarks>
internal static class BootClock
{
    private static readonly long BootEpochTicks = DateTimeOffset.UtcNow.UtcTicks - (long)(NowNanoseconds() / 100);

    /// <summary>CLOCK_BOOTTIME now, in nanoseconds.</summary>
    /// <exception cref="InvalidOperationException">The kernel refused to read the clock (it has CLOCK_BOOTTIME since 2.6.39).</exception>
    internal static unsafe ulong NowNanoseconds()
    {
        Timespec now;
        if (Libc.clock_gettime(Libc.CLOCK_BOOTTIME, &now) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"clock_gettime(CLOCK_BOOTTIME) failed: {LinuxErrno.Name(errno) ?? errno.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
        return (ulong)now.Seconds * 1_000_000_000UL + (ulong)now.Nanoseconds;
    }

    /// <summary>
    /// The wall clock (<c>CLOCK_REALTIME</c>) minus CLOCK_BOOTTIME now, in nanoseconds (100 ns resolution): read at each
    /// call, unlike <see cref="ToUtc"/>'s, so that it follows the wall clock's steps.
    /// </summary>
    internal static long RealtimeOffsetNanoseconds()
    {
        // Boot time read on both sides of the wall clock: the offset is that of their midpoint.
        var before = NowNanoseconds();
        var wallNs = (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        var after = NowNanoseconds();
        return wallNs - (long)(before + ((after - before) / 2));
    }

    /// <summary>The UTC time of a CLOCK_BOOTTIME timestamp in nanoseconds (100 ns resolution).</summary>
    internal static DateTimeOffset ToUtc(ulong bootNanoseconds) => new(BootEpochTicks + (long)(bootNanoseconds / 100), TimeSpan.Zero);

    /// <summary>The CLOCK_BOOTTIME timestamp of a wall-clock time (0 for a time before boot).</summary>
    internal static ulong FromUtc(DateTimeOffset time) => (ulong)Math.Max(0, (time.UtcTicks - BootEpochTicks) * 100);
}
