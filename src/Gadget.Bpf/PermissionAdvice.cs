using System.Text.RegularExpressions;

namespace Gadget.Bpf;

/// <summary>
/// What to say when the kernel answered EPERM or EACCES: judged from the operation, the file involved and this thread's
/// effective capabilities, so that the message names what is actually missing (a capability the process lacks, a file
/// it may not read, a memory limit) instead of capabilities it already has.
/// </summary>
internal static partial class PermissionAdvice
{
    private const string Tracefs = "/sys/kernel/tracing/";
    private const string DebugfsTracing = "/sys/kernel/debug/tracing/";

    /// <summary>The advice (one or more sentences) for a refused <paramref name="operation"/> on <paramref name="path"/>.</summary>
    internal static string For(string operation, string? path)
    {
        if (path is not null && (path.StartsWith(Tracefs, StringComparison.Ordinal) || path.StartsWith(DebugfsTracing, StringComparison.Ordinal)))
        {
            return TracefsAdvice(path);
        }
        if (operation.StartsWith("mmap ", StringComparison.Ordinal) && operation.Contains("perf ring", StringComparison.Ordinal))
        {
            return PerfMmapAdvice();
        }
        if (path is not null && path.StartsWith("/proc/", StringComparison.Ordinal) && path.Contains("/ns/", StringComparison.Ordinal))
        {
            return operation.StartsWith("enter", StringComparison.Ordinal) && !Capabilities.Has(EffectiveCapabilities.SysAdmin)
                ? "Entering another process's namespace (setns) needs CAP_SYS_ADMIN, which this process lacks: grant it or run as root."
                : "Opening another user's process's namespace needs CAP_SYS_PTRACE" +
                  (Capabilities.Has(EffectiveCapabilities.SysPtrace) ? "; this process has it, so a security module (Yama, AppArmor, SELinux) refused." : ", which this process lacks: grant it or run as root.");
        }
        if (operation.Contains("AF_PACKET", StringComparison.Ordinal))
        {
            return Capabilities.Has(EffectiveCapabilities.NetRaw)
                ? "This process has CAP_NET_RAW: a security module or the network namespace's owner refused the packet socket."
                : "A packet socket needs CAP_NET_RAW, which this process lacks: grant it or run as root.";
        }
        var missing = Capabilities.MissingForLoad(null);
        if (missing.Count > 0)
        {
            return $"This process lacks {string.Join(" and ", missing)} (CAP_SYS_ADMIN would do instead): run as root or grant them, " +
                "e.g. 'sudo setcap cap_bpf,cap_perfmon+ep <program>'." +
                (path is null ? string.Empty : " For a path on bpffs or tracefs, check its permissions and that the file system is mounted.");
        }
        return path is null
            ? "This process has CAP_BPF and CAP_PERFMON, so the kernel refused for another reason (kernel lockdown, a security module, a sysctl such as kernel.perf_event_paranoid, or a capability this operation needs besides)."
            : $"This process has CAP_BPF and CAP_PERFMON: check the permissions of '{path}' (this process runs as user '{Environment.UserName}') and that its file system is mounted.";
    }

    /// <summary>The file libbpf said it could not open (e.g. a tracepoint's id in tracefs), or null.</summary>
    internal static string? DeniedPath(string libbpfLog)
    {
        var match = DeniedPathPattern().Match(libbpfLog);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string TracefsAdvice(string path)
    {
        if (Capabilities.Has(EffectiveCapabilities.DacReadSearch) || Capabilities.Has(EffectiveCapabilities.DacOverride))
        {
            return $"This process may read any file (CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE), yet '{path}' was refused: a security module or a tracefs mount option refused it.";
        }
        return $"This process cannot read '{path}': tracefs is readable by root only (mode 0700) and this process lacks CAP_DAC_READ_SEARCH " +
            "(or CAP_DAC_OVERRIDE), which tracepoints need to find their ids: grant it besides CAP_BPF and CAP_PERFMON, or run as root.";
    }

    private static string PerfMmapAdvice()
    {
        var limit = ReadSysctl("/proc/sys/kernel/perf_event_mlock_kb");
        var text = $"Perf ring memory is limited per user to kernel.perf_event_mlock_kb ({limit ?? "?"} KiB) per CPU, then to RLIMIT_MEMLOCK ('ulimit -l'), " +
            "for a process without CAP_IPC_LOCK";
        return Capabilities.Has(EffectiveCapabilities.IpcLock)
            ? text + "; this process has CAP_IPC_LOCK, so kernel.perf_event_paranoid or a security module refused."
            : text + ", which this process lacks: grant CAP_IPC_LOCK, raise 'ulimit -l' (LimitMEMLOCK= in a systemd unit), or use smaller rings.";
    }

    private static string? ReadSysctl(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // libbpf 1.1 writes the error as strerror's text, libbpf 1.5 and later as its name (-EACCES).
    [GeneratedRegex(@"failed to open '([^']+)': (?:Permission denied|Operation not permitted|-EACCES|-EPERM)")]
    private static partial Regex DeniedPathPattern();
}
