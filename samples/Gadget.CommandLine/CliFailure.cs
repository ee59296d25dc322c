using Gadget.Bpf;

namespace Gadget.CommandLine;

/// <summary>
/// What a tool says when it cannot run: one line naming the cause and what to do, and the exit code (1). Missing
/// privileges, libbpf or BTF are recognized; anything else is its type and message, never a stack trace.
/// </summary>
internal static class CliFailure
{
    /// <summary>The line (without the tool's name) for <paramref name="exception"/>.</summary>
    public static string Describe(Exception exception)
    {
        var e = Unwrap(exception);
        return e switch
        {
            BpfPermissionException => OneLine(e.Message), // names the missing capabilities and what to do
            UnauthorizedAccessException when !IsRoot() => $"{OneLine(e.Message)} {DeniedFileAdvice(e.Message)}",
            DllNotFoundException => $"libbpf.so.1 cannot be loaded ({LoaderReason(e.Message)}). Install it (sudo apt-get install libbpf1) or unset GADGET_LIBBPF.",
            BpfFeatureNotSupportedException { Feature: "kprobe" or "kretprobe" } => OneLine(e.Message), // says what would work
            BpfFeatureNotSupportedException => $"{OneLine(e.Message)} This kernel lacks a feature the tool needs (Linux 5.8+ with BTF).",
            BpfException when !File.Exists(BpfEnvironment.KernelBtfPath) => $"{OneLine(e.Message)} The kernel has no BTF ({BpfEnvironment.KernelBtfPath}): use a kernel built with CONFIG_DEBUG_INFO_BTF=y.",
            BpfException or IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException => OneLine(e.Message),
            _ => $"{e.GetType().Name}: {OneLine(e.Message)}",
        };
    }

    /// <summary>Whether <paramref name="exception"/> is the write to a closed standard output (EPIPE).</summary>
    public static bool IsBrokenPipe(Exception exception) =>
        Unwrap(exception) is IOException { HResult: 32 or -2147024864 } || (Unwrap(exception) is IOException io && io.Message.Contains("Broken pipe", StringComparison.Ordinal));

    /// <summary>Whether this process runs as root.</summary>
    public static bool IsRoot() => Libc.geteuid() == 0;

    // A file this user may not use: what would let it (the capabilities BPF needs are not the question here).
    private static string DeniedFileAdvice(string message) =>
        message.Contains("/sys/fs/cgroup", StringComparison.Ordinal)
            ? "cgroupfs is root's: making or joining a cgroup there needs CAP_DAC_OVERRIDE (besides CAP_BPF and CAP_PERFMON), or run as root (sudo)."
            : "This user may not use that file: CAP_DAC_READ_SEARCH lets a process read any file and CAP_DAC_OVERRIDE write any; or run as root (sudo).";

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException or TypeInitializationException && e.InnerException is not null)
        {
            e = e.InnerException!;
        }
        return e;
    }

    // The dynamic loader's own words, without .NET's advice about strace and LD_DEBUG.
    private static string LoaderReason(string message)
    {
        var line = OneLine(message);
        var marker = line.LastIndexOf("environment variable:", StringComparison.Ordinal);
        return marker < 0 ? line : line[(marker + "environment variable:".Length)..].Trim();
    }

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.Length > 600 ? line[..600] + "..." : line;
    }
}
