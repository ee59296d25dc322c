using Gadget.Bpf.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Bpf;

/// <summary>
/// Prepares the machine for BPF: mounts tracefs and bpffs when they are missing, raises RLIMIT_MEMLOCK where the
/// kernel still charges BPF memory to it, and answers feature questions (BTF, program and map types, kprobes).
/// </summary>
public static class BpfEnvironment
{
    /// <summary>Where tracefs is mounted on current kernels.</summary>
    public const string TracefsPath = "/sys/kernel/tracing";

    /// <summary>The conventional bpffs mount point.</summary>
    public const string BpffsPath = "/sys/fs/bpf";

    /// <summary>The kernel's own BTF, needed for CO-RE.</summary>
    public const string KernelBtfPath = "/sys/kernel/btf/vmlinux";

    private const uint TracefsMagic = 0x74726163;
    private const uint BpffsMagic = 0xcafe4a11;
    private static readonly Lock MountLock = new();
    private static int _memlockRaised;

    /// <summary>
    /// The file the native libbpf in use was loaded from: the libbpf 1.7 that Gadget.Bpf ships for linux-x64 and linux-arm64
    /// (<c>runtimes/&lt;rid&gt;/native/libbpf.so.1</c>, preferred), or the system's <c>libbpf.so.1</c> on other architectures or
    /// when the environment variable <c>GADGET_LIBBPF</c> is <c>system</c> (or the path of another libbpf.so.1).
    /// </summary>
    public static string LibbpfPath
    {
        get
        {
            LibbpfRuntime.EnsureInitialized();
            return LibbpfRuntime.Path;
        }
    }

    /// <summary>Whether the libbpf in use is the one shipped with Gadget.Bpf (see <see cref="LibbpfPath"/>), not the system's.</summary>
    public static bool IsLibbpfShipped
    {
        get
        {
            LibbpfRuntime.EnsureInitialized();
            return LibbpfRuntime.IsShipped;
        }
    }

    /// <summary>The version of the native libbpf in use (1.0 or newer); <see cref="LibbpfPath"/> says which file it is.</summary>
    public static Version LibbpfVersion
    {
        get
        {
            LibbpfRuntime.EnsureInitialized();
            return LibbpfRuntime.Version;
        }
    }

    /// <summary>Whether the kernel exposes its BTF at <see cref="KernelBtfPath"/> (CO-RE objects need it).</summary>
    public static bool HasKernelBtf => File.Exists(KernelBtfPath);

    /// <summary>
    /// Whether the kernel can attach kprobes (<c>CONFIG_KPROBES</c>): the kprobe PMU or tracefs' <c>kprobe_events</c> exists.
    /// </summary>
    public static bool HasKprobes =>
        Directory.Exists("/sys/bus/event_source/devices/kprobe") || File.Exists(Path.Combine(TracefsPath, "kprobe_events"));

    /// <summary>The kernel lockdown mode (<c>none</c>, <c>integrity</c>, <c>confidentiality</c>), or <c>null</c> when unknown.</summary>
    public static string? LockdownMode
    {
        get
        {
            try
            {
                var text = File.ReadAllText("/sys/kernel/security/lockdown");
                var start = text.IndexOf('[');
                var end = text.IndexOf(']');
                return start >= 0 && end > start ? text[(start + 1)..end] : null;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>Whether the kernel can load programs of the given type (probed by loading a trivial program).</summary>
    public static unsafe bool IsSupported(BpfProgramType type)
    {
        LibbpfRuntime.EnsureInitialized();
        return LibBpf.libbpf_probe_bpf_prog_type((int)type, null) == 1;
    }

    /// <summary>Whether the kernel can create maps of the given type (probed by creating a small one).</summary>
    public static unsafe bool IsSupported(BpfMapType type)
    {
        LibbpfRuntime.EnsureInitialized();
        return LibBpf.libbpf_probe_bpf_map_type((int)type, null) == 1;
    }

    /// <summary>Whether programs of <paramref name="programType"/> may call the helper with id <paramref name="helperId"/>.</summary>
    public static unsafe bool IsHelperSupported(BpfProgramType programType, int helperId)
    {
        LibbpfRuntime.EnsureInitialized();
        return LibBpf.libbpf_probe_bpf_helper((int)programType, helperId, null) == 1;
    }

    /// <summary>
    /// The time now on the clock BPF programs read with <c>bpf_ktime_get_boot_ns()</c> (<c>CLOCK_BOOTTIME</c>: nanoseconds since
    /// boot, suspend included), to compare with the timestamps of their records.
    /// </summary>
    public static ulong BootTimeNanoseconds => BootClock.NowNanoseconds();

    /// <summary>The number of possible CPUs: the length of a per-CPU map value array.</summary>
    public static int PossibleCpuCount
    {
        get
        {
            LibbpfRuntime.EnsureInitialized();
            return Errno.ThrowIfNegative(LibBpf.libbpf_num_possible_cpus(), "count possible CPUs");
        }
    }

    /// <summary>
    /// Makes sure tracefs is mounted at <see cref="TracefsPath"/>, mounting it when it is not.
    /// Tracepoint attachment needs it (libbpf reads tracepoint ids from it).
    /// </summary>
    /// <returns>The tracefs mount point.</returns>
    /// <exception cref="BpfException">tracefs is not mounted and cannot be; the message says what to run.</exception>
    public static string EnsureTracefs()
    {
        if (File.Exists(Path.Combine(TracefsPath, "available_events")) || Directory.Exists(Path.Combine(TracefsPath, "events")))
        {
            return TracefsPath;
        }
        const string legacy = "/sys/kernel/debug/tracing";
        if (Directory.Exists(Path.Combine(legacy, "events")))
        {
            return legacy;
        }
        Mount("tracefs", TracefsPath, "tracefs", TracefsMagic);
        return TracefsPath;
    }

    /// <summary>Makes sure a BPF file system is mounted at <paramref name="path"/> (default <see cref="BpffsPath"/>), mounting it when it is not.</summary>
    /// <returns>The bpffs mount point.</returns>
    /// <exception cref="BpfException">bpffs is not mounted and cannot be; the message says what to run.</exception>
    public static string EnsureBpffs(string path = BpffsPath)
    {
        if (IsFileSystem(path, BpffsMagic))
        {
            return path;
        }
        Mount("bpf", path, "bpf", BpffsMagic);
        return path;
    }

    /// <summary>Whether <paramref name="path"/> lies on a mounted bpffs.</summary>
    public static bool IsOnBpffs(string path)
    {
        var directory = Directory.Exists(path) ? path : Path.GetDirectoryName(path);
        return directory is not null && IsFileSystem(directory, BpffsMagic);
    }

    /// <summary>
    /// Raises RLIMIT_MEMLOCK to infinity, which kernels before 5.11 need to charge BPF maps and programs. Newer kernels
    /// charge the memory cgroup instead, so a refusal (no CAP_SYS_RESOURCE) is only logged at debug level.
    /// </summary>
    /// <returns>Whether the limit is now unlimited.</returns>
    public static unsafe bool RaiseMemlockLimit()
    {
        ResourceLimit limit;
        if (Libc.getrlimit(Libc.RLIMIT_MEMLOCK, &limit) == 0 && limit.Current == ulong.MaxValue)
        {
            return true;
        }
        limit.Current = ulong.MaxValue;
        limit.Maximum = ulong.MaxValue;
        if (Libc.setrlimit(Libc.RLIMIT_MEMLOCK, &limit) == 0)
        {
            return true;
        }
        if (LibbpfRuntime.CurrentLogger is { } logger && logger.IsEnabled(LogLevel.Debug) && Interlocked.Exchange(ref _memlockRaised, 1) == 0)
        {
            logger.LogDebug("RLIMIT_MEMLOCK could not be raised ({Errno}); kernels 5.11 and newer do not need it.", Errno.Name(Errno.Last));
        }
        return false;
    }

    private static void Mount(string source, string target, string type, uint magic)
    {
        lock (MountLock)
        {
            if (IsFileSystem(target, magic))
            {
                return;
            }
            var command = $"mount -t {type} {source} {target}";
            try
            {
                Directory.CreateDirectory(target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BpfException($"{type} is not mounted at {target}, and {target} cannot be created ({e.Message}). Run as root: '{command}'.");
            }
            if (Libc.mount(source, target, type, 0, 0) != 0)
            {
                var errno = Errno.Last;
                var why = errno is Errno.EPERM or Errno.EACCES
                    ? "mounting needs CAP_SYS_ADMIN in the initial mount namespace"
                    : $"{Errno.Name(errno)}: {Errno.Describe(errno)}";
                throw new BpfException($"{type} is not mounted at {target} and Gadget could not mount it ({why}). Run as root: '{command}'.", errno);
            }
            LibbpfRuntime.CurrentLogger?.LogInformation("Mounted {Type} at {Target}", type, target);
        }
    }

    private static bool IsFileSystem(string path, uint magic)
    {
        // /proc/self/mountinfo: "... <mount point> ... - <fstype> <source> ..."
        try
        {
            var full = Path.GetFullPath(path).TrimEnd('/');
            var fsType = magic == BpffsMagic ? "bpf" : "tracefs";
            string? best = null;
            string? bestType = null;
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                var fields = line.Split(' ');
                if (fields.Length < 5)
                {
                    continue;
                }
                var mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
                var separator = Array.IndexOf(fields, "-");
                if (separator < 0 || separator + 1 >= fields.Length)
                {
                    continue;
                }
                if ((full == mountPoint || full.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal))
                    && (best is null || mountPoint.Length >= best.Length))
                {
                    best = mountPoint;
                    bestType = fields[separator + 1];
                }
            }
            return bestType == fsType;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
