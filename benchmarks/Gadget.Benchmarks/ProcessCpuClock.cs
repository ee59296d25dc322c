using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace Gadget.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the CPU time of the whole process (<c>CLOCK_PROCESS_CPUTIME_ID</c>: every thread's
/// user + system time, in nanoseconds) instead of wall time. With it, a benchmark's "time per operation" is the CPU time
/// the process spent per operation, on all its threads (waiter threads, thread-pool workers, GC), not how long it took.
/// Only meaningful with the in-process toolchain (the clock must be this object in the benchmark's process).
/// </summary>
internal sealed unsafe partial class ProcessCpuClock : IClock
{
    private const int ClockProcessCpuTimeId = 2;

    public static readonly ProcessCpuClock Instance = new();

    public string Title => "CLOCK_PROCESS_CPUTIME_ID";

    public bool IsAvailable => true;

    public Frequency Frequency => Frequency.GHz;

    public long GetTimestamp()
    {
        TimeSpec time;
        if (clock_gettime(ClockProcessCpuTimeId, &time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return time.Seconds * 1_000_000_000L + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int clock_gettime(int clockId, TimeSpec* time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
