using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>Resource limits, clocks and signals.</summary>
internal static unsafe partial class Libc
{
    internal const int RLIMIT_NOFILE = 7;
    internal const int RLIMIT_MEMLOCK = 8;

    /// <summary>Nanoseconds since boot, suspend included: the clock of <c>bpf_ktime_get_boot_ns()</c>.</summary>
    internal const int CLOCK_BOOTTIME = 7;

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int getrlimit(int resource, ResourceLimit* limit);

    [LibraryImport(Library, EntryPoint = "setrlimit", SetLastError = true)]
    internal static partial int setrlimit(int resource, ResourceLimit* limit);

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int clock_gettime(int clock, Timespec* time);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
