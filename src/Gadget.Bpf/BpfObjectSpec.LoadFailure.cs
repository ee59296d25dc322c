using System.Text;
using System.Text.RegularExpressions;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>Why <see cref="Load"/> failed, and in which program: a typed exception that names the right one.</summary>
public sealed partial class BpfObjectSpec
{
    private Exception LoadFailure(int errno, string verifierLog, string libbpfLog)
    {
        var failing = FailingProgram(libbpfLog);
        var isProgramFailure = failing is not null && (verifierLog.Length > 0 || libbpfLog.Contains("prog '" + failing.Name + "'", StringComparison.Ordinal));
        var program = isProgramFailure ? failing : null;
        if (errno is Errno.EPERM or Errno.EACCES && verifierLog.Length == 0)
        {
            // The kernel refuses BPF without CAP_BPF (or CAP_SYS_ADMIN), and tracing programs without CAP_PERFMON too.
            var missing = Capabilities.MissingForLoad(program?.Type);
            if (missing.Count > 0)
            {
                var what = program is null ? $"BPF object '{Name}'" : $"program '{program.Name}' ({program.SectionName}) of BPF object '{Name}'";
                return new BpfPermissionException(
                    $"Loading {what} failed: {Errno.Name(errno)} ({Errno.Describe(errno)}). This process lacks {string.Join(" and ", missing)} " +
                    "(and CAP_SYS_ADMIN, which would do instead): run as root or grant them, e.g. 'sudo setcap cap_bpf,cap_perfmon+ep <program>'.",
                    errno);
            }
        }
        if (errno == Errno.EPERM && libbpfLog.Contains("failed to iterate BTF objects", StringComparison.Ordinal) && !Capabilities.Has(EffectiveCapabilities.SysAdmin))
        {
            // libbpf listed the modules' BTF (BPF_BTF_GET_NEXT_ID: CAP_SYS_ADMIN only) for a type or target not in vmlinux.
            return new BpfPermissionException(
                $"Loading BPF object '{Name}' failed: EPERM ({Errno.Describe(errno)}). libbpf looked for a type or attach target in the kernel " +
                "modules' BTF, which only CAP_SYS_ADMIN may list: grant it, or give BpfObjectOptions.BtfCustomPath (e.g. /sys/kernel/btf/vmlinux) " +
                "so that only the kernel's own BTF is searched.",
                errno);
        }
        if (program is not null && program.Type is BpfProgramType.Tracing or BpfProgramType.Lsm or BpfProgramType.Ext
            && errno is Errno.EPERM or Errno.EINVAL or Errno.ENOTSUPP or Errno.EOPNOTSUPP && verifierLog.Length == 0)
        {
            var lockdown = BpfEnvironment.LockdownMode;
            var feature = program.SectionName.Split('/')[0];
            return new BpfFeatureNotSupportedException(
                feature,
                $"Program '{program.Name}' ({program.SectionName}) cannot be loaded: this kernel does not allow {feature} programs " +
                $"({Errno.Name(errno)}, empty verifier log{(lockdown is null ? string.Empty : $", kernel lockdown mode '{lockdown}'")}). " +
                "Use a tracepoint (SEC(\"tp/...\")), a BTF tracepoint (SEC(\"tp_btf/...\")) or a raw tracepoint instead.",
                program.Name,
                errno);
        }
        if (program is not null && KernelFeatureHistory.TryFindUnknownHelper(verifierLog, out var helper, out var helperLinux))
        {
            return new BpfFeatureNotSupportedException(
                helper,
                $"Program '{program.Name}' ({program.SectionName}) of BPF object '{Name}' calls {helper}, which this kernel " +
                $"({Environment.OSVersion.Version}) does not have{(helperLinux is null ? string.Empty : $": Linux {helperLinux} added it")}. " +
                "Probe it with BpfEnvironment.IsHelperSupported and leave the program out (BpfProgramSpec.AutoLoad = false) where it is missing.",
                program.Name,
                errno);
        }
        if (program is null && _maps.FirstOrDefault(m => !BpfEnvironment.IsSupported(m.Type)) is { } unsupported)
        {
            var mapLinux = KernelFeatureHistory.MapTypeAddedIn(unsupported.Type);
            return new BpfFeatureNotSupportedException(
                $"{unsupported.Type} map",
                $"Map '{unsupported.Name}' of BPF object '{Name}' is a {unsupported.Type} map, which this kernel " +
                $"({Environment.OSVersion.Version}) does not support{(mapLinux is null ? string.Empty : $": Linux {mapLinux} added them")}.");
        }
        var where = program is not null ? $"program '{program.Name}' ({program.SectionName})" : "its maps or relocations";
        var message = new StringBuilder($"Loading BPF object '{Name}' failed in {where}: {Errno.Name(errno)} ({Errno.Describe(errno)}).");
        if (Math.Abs(errno) == Errno.EMFILE)
        {
            message.Append(' ').Append(Errno.OpenFilesAdvice());
        }
        if (verifierLog.Length > 0)
        {
            message.Append(" Verifier log (last lines):\n").Append(BpfObject.LastLines(verifierLog, 12));
        }
        else if (libbpfLog.Length > 0)
        {
            message.Append(" libbpf said:\n").Append(BpfObject.LastLines(libbpfLog, 8));
        }
        return new BpfLoadException(message.ToString(), errno, program?.Name, verifierLog, libbpfLog);
    }

    /// <summary>
    /// The program libbpf failed on. libbpf unloads every program when one fails, so which one it was can only be read from
    /// what it said ("prog 'NAME': BPF program load failed", "prog 'NAME': failed to load"); without that, the first
    /// autoloaded program whose load left no descriptor.
    /// </summary>
    private BpfProgramSpec? FailingProgram(string libbpfLog)
    {
        foreach (Match match in FailedProgramPattern().Matches(libbpfLog))
        {
            if (_programs.FirstOrDefault(p => p.Name == match.Groups[1].Value) is { } named)
            {
                return named;
            }
        }
        return _programs.FirstOrDefault(p => LibBpf.bpf_program__autoload(p.Pointer) && LibBpf.bpf_program__fd(p.Pointer) < 0);
    }

    [GeneratedRegex(@"prog '([^']+)': (?:BPF program load failed|failed to load|failed to prepare load attributes|failed to resolve)")]
    private static partial Regex FailedProgramPattern();
}
