namespace Gadget.Bpf;

/// <summary>The calling process's effective capabilities (<c>CapEff</c> of /proc/thread-self/status: capabilities are per thread), for error messages.</summary>
internal static class Capabilities
{
    internal const int DacOverride = 1;
    internal const int DacReadSearch = 2;
    internal const int NetRaw = 13;
    internal const int IpcLock = 14;
    internal const int SysPtrace = 19;
    internal const int SysAdmin = 21;
    internal const int Perfmon = 38;
    internal const int Bpf = 39;

    /// <summary>Whether the process has capability <paramref name="capability"/>; true when it cannot tell.</summary>
    internal static bool Has(int capability)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/thread-self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    var mask = Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
                    return (mask & (1UL << capability)) != 0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return true;
    }

    /// <summary>
    /// What loading a program of <paramref name="type"/> (or any BPF, when null) needs and this process lacks: CAP_BPF, and
    /// CAP_PERFMON for tracing program types; CAP_SYS_ADMIN stands for both. Empty when nothing is missing.
    /// </summary>
    internal static IReadOnlyList<string> MissingForLoad(BpfProgramType? type)
    {
        if (Has(SysAdmin))
        {
            return [];
        }
        var missing = new List<string>();
        if (!Has(Bpf))
        {
            missing.Add("CAP_BPF");
        }
        var tracing = type is null or BpfProgramType.Kprobe or BpfProgramType.Tracepoint or BpfProgramType.RawTracepoint
            or BpfProgramType.RawTracepointWritable or BpfProgramType.PerfEvent or BpfProgramType.Tracing or BpfProgramType.Lsm;
        if (tracing && !Has(Perfmon))
        {
            missing.Add("CAP_PERFMON");
        }
        return missing;
    }
}
