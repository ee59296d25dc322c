namespace Gadget.Linux;

/// <summary>
/// The calling thread's effective capabilities (<c>CapEff</c> of <c>/proc/thread-self/status</c>: capabilities are per
/// thread), for the messages that say what a process lacks and for checks made before something would fail silently.
/// </summary>
internal static class EffectiveCapabilities
{
    internal const int DacOverride = 1;
    internal const int DacReadSearch = 2;
    internal const int NetRaw = 13;
    internal const int IpcLock = 14;
    internal const int SysPtrace = 19;
    internal const int SysAdmin = 21;
    internal const int Perfmon = 38;
    internal const int Bpf = 39;

    /// <summary>The effective set as a mask (bit N: capability N), or null when it cannot be read.</summary>
    internal static ulong? Read()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/thread-self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    return Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>Whether the thread has capability <paramref name="capability"/>; true when it cannot tell.</summary>
    internal static bool Has(int capability) => Read() is not { } mask || (mask & (1UL << capability)) != 0;
}
