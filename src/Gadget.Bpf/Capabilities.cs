namespace Gadget.Bpf;

/// <summary>What loading BPF needs of the calling thread's capabilities (<see cref="EffectiveCapabilities"/>), for error messages.</summary>
internal static class Capabilities
{
    /// <summary>Whether the process has capability <paramref name="capability"/>; true when it cannot tell.</summary>
    internal static bool Has(int capability) => EffectiveCapabilities.Has(capability);

    /// <summary>
    /// What loading a program of <paramref name="type"/> (or any BPF, when null) needs and this process lacks: CAP_BPF, and
    /// CAP_PERFMON for tracing program types; CAP_SYS_ADMIN stands for both. Empty when nothing is missing.
    /// </summary>
    internal static IReadOnlyList<string> MissingForLoad(BpfProgramType? type)
    {
        if (Has(EffectiveCapabilities.SysAdmin))
        {
            return [];
        }
        var missing = new List<string>();
        if (!Has(EffectiveCapabilities.Bpf))
        {
            missing.Add("CAP_BPF");
        }
        var tracing = type is null or BpfProgramType.Kprobe or BpfProgramType.Tracepoint or BpfProgramType.RawTracepoint
            or BpfProgramType.RawTracepointWritable or BpfProgramType.PerfEvent or BpfProgramType.Tracing or BpfProgramType.Lsm;
        if (tracing && !Has(EffectiveCapabilities.Perfmon))
        {
            missing.Add("CAP_PERFMON");
        }
        return missing;
    }
}
