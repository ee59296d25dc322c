using Gadget.Bpf;

namespace Gadget.Agent;

/// <summary>
/// What the agent checks before it listens, so that it never starts only to answer every request with an error: libbpf
/// loads, the kernel has BTF, and the process has the capabilities BPF tracing needs.
/// </summary>
public static class AgentPreflight
{
    private const int CapSysAdmin = 21;
    private const int CapPerfmon = 38;
    private const int CapBpf = 39;

    /// <summary>Why the agent cannot serve on this machine, or null when it can.</summary>
    public static string? Problem()
    {
        try
        {
            _ = BpfEnvironment.LibbpfVersion;
        }
        catch (DllNotFoundException e)
        {
            return $"libbpf.so.1 cannot be loaded ({e.Message.ReplaceLineEndings(" ")}): install it (sudo apt-get install libbpf1) or unset GADGET_LIBBPF.";
        }
        if (!BpfEnvironment.HasKernelBtf)
        {
            return $"the kernel has no BTF ({BpfEnvironment.KernelBtfPath}): the gadgets need a kernel built with CONFIG_DEBUG_INFO_BTF=y.";
        }
        var missing = MissingCapabilities();
        if (missing.Count > 0)
        {
            return $"this process lacks {string.Join(", ", missing)}: run the agent as root (sudo), or grant CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN.";
        }
        return null;
    }

    private static List<string> MissingCapabilities()
    {
        ulong effective = ulong.MaxValue;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    effective = Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return []; // cannot tell: let the gadgets say it when they start
        }
        bool Has(int capability) => (effective & (1UL << capability)) != 0;
        var missing = new List<string>();
        // The container collection and traceloop mount tracefs/bpffs and read other processes: CAP_SYS_ADMIN.
        if (!Has(CapSysAdmin))
        {
            missing.Add("CAP_SYS_ADMIN");
            if (!Has(CapBpf))
            {
                missing.Add("CAP_BPF");
            }
            if (!Has(CapPerfmon))
            {
                missing.Add("CAP_PERFMON");
            }
        }
        return missing;
    }
}
