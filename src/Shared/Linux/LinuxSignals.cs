namespace Gadget.Linux;

/// <summary>Signal numbers and names (<see cref="SignalTable"/>, generated from the UAPI headers).</summary>
/// <remarks>
/// x86-64 and arm64 number signals alike (1 to 31 as in <c>asm-generic/signal.h</c>, real-time signals 32 to 64); alpha,
/// mips, parisc and sparc differ, and Gadget does not run there. LinuxAbiHeaderTests checks the table against both
/// architectures' headers.
/// </remarks>
internal static class LinuxSignals
{
    /// <summary>
    /// The kernel's first real-time signal (its <c>SIGRTMIN</c>), the C library's <c>SIGRTMIN</c> (glibc and musl keep 32 and
    /// 33 for themselves: threads, timers), and the last signal (<c>_NSIG</c>).
    /// </summary>
    internal const int KernelRealTimeMin = 32, LibcRealTimeMin = 34, Max = 64;

    private static readonly string[] StraceRealTime =
        Enumerable.Range(0, Max - KernelRealTimeMin + 1).Select(i => i == 0 ? "SIGRTMIN" : $"SIGRT_{i}").ToArray();

    // SIGRTMIN+0 (34) to SIGRTMIN+30 (64): made once, as a tracer names them at every such signal (.NET runtimes send
    // themselves SIGRTMIN to suspend threads for a GC).
    private static readonly string[] LibcRealTime =
        Enumerable.Range(0, Max - LibcRealTimeMin + 1).Select(i => $"SIGRTMIN+{i}").ToArray();

    /// <summary>The name of a standard signal (1 to 31), e.g. <c>SIGSEGV</c>, or <c>null</c>.</summary>
    internal static string? Name(int signal) => signal is > 0 and < KernelRealTimeMin ? SignalTable.Names[signal] : null;

    /// <summary>The name strace prints: <c>SIGSEGV</c>, <c>SIGRTMIN</c> (32), <c>SIGRT_3</c> (35); <c>null</c> for 0, negative or above 64.</summary>
    internal static string? StraceName(int signal) => signal switch
    {
        > 0 and < KernelRealTimeMin => SignalTable.Names[signal],
        >= KernelRealTimeMin and <= Max => StraceRealTime[signal - KernelRealTimeMin],
        _ => null,
    };

    /// <summary>The name a C program would use: <c>SIGSEGV</c>, <c>SIGRTMIN+1</c> (35); the number for any other value.</summary>
    internal static string LibcName(int signal) =>
        Name(signal)
        ?? (signal is >= LibcRealTimeMin and <= Max ? LibcRealTime[signal - LibcRealTimeMin] : signal.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
