using System.Runtime.InteropServices;

namespace Gadget.Containers.Tests;

internal static partial class Clock
{
    /// <summary>CLOCK_BOOTTIME in ns, the clock of bpf_ktime_get_boot_ns().</summary>
    internal static unsafe ulong BootNanoseconds()
    {
        var ts = stackalloc long[2];
        clock_gettime(7, ts);
        return (ulong)(ts[0] * 1_000_000_000L + ts[1]);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int clock_gettime(int clock, long* ts);
}
