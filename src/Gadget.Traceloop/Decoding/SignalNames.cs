namespace Gadget.Traceloop.Decoding;

/// <summary>Signal names as strace prints them (<c>SIGSEGV</c>, <c>SIGRTMIN</c>, <c>SIGRT_3</c>).</summary>
public static class SignalNames
{
    private static readonly string[] RealTime = Enumerable.Range(0, 33).Select(i => i == 0 ? "SIGRTMIN" : $"SIGRT_{i}").ToArray();

    /// <summary>The name of signal <paramref name="signal"/>, or <c>null</c> when it has none (0, negative, above 64).</summary>
    public static string? GetName(int signal) => signal switch
    {
        > 0 and < 32 => SignalTableData.Names[signal],
        >= 32 and <= 64 => RealTime[signal - 32],
        _ => null,
    };
}
