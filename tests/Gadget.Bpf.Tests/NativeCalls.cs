using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Direct libc calls, so tests know exactly which syscalls and functions run.</summary>
internal static partial class NativeCalls
{
    [LibraryImport("libc", EntryPoint = "getpid")]
    internal static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "getppid")]
    internal static partial int GetParentPid();

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int MakeFifo(string path, uint mode);

    /// <summary>
    /// Sleeps in the kernel's do_nanosleep (clock_nanosleep through libc's nanosleep), which Thread.Sleep never reaches:
    /// .NET waits on a futex.
    /// </summary>
    internal static unsafe void NanoSleep(TimeSpan duration)
    {
        var request = stackalloc long[2] { (long)duration.TotalSeconds, duration.Ticks % TimeSpan.TicksPerSecond * 100 };
        var remaining = stackalloc long[2];
        if (NanoSleep(request, remaining) != 0)
        {
            throw new InvalidOperationException($"nanosleep failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "nanosleep", SetLastError = true)]
    private static unsafe partial int NanoSleep(long* request, long* remaining);

    /// <summary>The path of the libc this process has mapped (for uprobes).</summary>
    internal static string LibcPath()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.Contains("libc.so.6", StringComparison.Ordinal))
            {
                return line[slash..].Trim();
            }
        }
        throw new InvalidOperationException("libc.so.6 is not mapped into this process");
    }
}
