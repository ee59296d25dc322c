using Gadget.Bpf;
using Gadget.Linux;

namespace Gadget.Agent;

/// <summary>
/// What the agent checks before it listens, so that it never starts only to answer every request with an error: libbpf
/// loads, the kernel has BTF, and the process has the capabilities BPF tracing needs.
/// </summary>
public static class AgentPreflight
{
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
            return $"this process lacks {string.Join(", ", missing)}: run the agent as root (sudo), or grant CAP_SYS_ADMIN (setns for trace dns and " +
                "snapshot socket; it also stands for CAP_BPF and CAP_PERFMON), CAP_DAC_READ_SEARCH (tracefs, the runtimes' state) and CAP_SYS_PTRACE " +
                "(other users' /proc/PID/ns), with CAP_NET_RAW for trace dns and CAP_IPC_LOCK for traceloop's rings (README.md: Running without root).";
        }
        return null;
    }

    private static List<string> MissingCapabilities()
    {
        if (EffectiveCapabilities.Read() is null)
        {
            return []; // cannot tell: let the gadgets say it when they start
        }
        static bool Has(int capability) => EffectiveCapabilities.Has(capability);
        var missing = new List<string>();
        // Entering containers' network namespaces (trace dns, snapshot socket) needs CAP_SYS_ADMIN.
        if (!Has(EffectiveCapabilities.SysAdmin))
        {
            missing.Add("CAP_SYS_ADMIN");
            if (!Has(EffectiveCapabilities.Bpf))
            {
                missing.Add("CAP_BPF");
            }
            if (!Has(EffectiveCapabilities.Perfmon))
            {
                missing.Add("CAP_PERFMON");
            }
        }
        // tracefs (mode 0700) and the runtimes' state directories are root's; other users' /proc/PID/ns need ptrace access.
        if (!Has(EffectiveCapabilities.DacReadSearch) && !Has(EffectiveCapabilities.DacOverride))
        {
            missing.Add("CAP_DAC_READ_SEARCH");
        }
        if (!Has(EffectiveCapabilities.SysPtrace))
        {
            missing.Add("CAP_SYS_PTRACE");
        }
        return missing;
    }
}
