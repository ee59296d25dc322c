namespace Gadget.Traceloop.Decoding;

/// <summary>Signal names as strace prints them (<c>SIGSEGV</c>, <c>SIGRTMIN</c>, <c>SIGRT_3</c>).</summary>
public static class SignalNames
{
    /// <summary>The name of signal <paramref name="signal"/>, or <c>null</c> when it has none (0, negative, above 64).</summary>
    public static string? GetName(int signal) => LinuxSignals.StraceName(signal);
}
