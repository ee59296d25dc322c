using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A loaded program of a <see cref="BpfObject"/>: attach it (each attach returns a <see cref="BpfLink"/>) or run it once.
/// What it is loaded as (type, attach target, whether it is loaded at all) is set on its <see cref="BpfProgramSpec"/>.
/// Every call holds the object open, so a concurrent <see cref="BpfObject.Dispose"/> waits for it and the program's
/// descriptor number cannot be reused meanwhile.
/// </summary>
public sealed unsafe class BpfProgram
{
    private readonly BpfObject _owner;
    private readonly SafeHandle _lifetime;
    private readonly nint _pointer;
    private readonly int _fd;

    internal BpfProgram(BpfObject owner, SafeHandle lifetime, nint pointer, int fd)
    {
        _owner = owner;
        _lifetime = lifetime;
        _pointer = pointer;
        _fd = fd;
        Name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__name(pointer)) ?? string.Empty;
        SectionName = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__section_name(pointer)) ?? string.Empty;
        Type = (BpfProgramType)LibBpf.bpf_program__type(pointer);
        ExpectedAttachType = (BpfAttachType)LibBpf.bpf_program__expected_attach_type(pointer);
    }

    /// <summary>The program's name (its C function name).</summary>
    public string Name { get; }

    /// <summary>The ELF section it came from, e.g. <c>tracepoint/raw_syscalls/sys_enter</c>.</summary>
    public string SectionName { get; }

    /// <summary>The program type it was loaded as.</summary>
    public BpfProgramType Type { get; }

    /// <summary>The attach type the kernel was told at load (e.g. <see cref="BpfAttachType.TraceIter"/> for an iterator).</summary>
    public BpfAttachType ExpectedAttachType { get; }

    /// <summary>
    /// The program's file descriptor, valid until its object is disposed. A number read here can be reused once the object
    /// is disposed: the methods of this class hold the object open across each call.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The object is disposed.</exception>
    public int FileDescriptor
    {
        get
        {
            ObjectDisposedException.ThrowIf(_lifetime.IsClosed, this);
            return _fd;
        }
    }

    /// <summary>The kernel's id of the loaded program (as <c>bpftool prog</c> shows it, and as a program array stores it).</summary>
    public uint Id
    {
        get
        {
            ulong info = 0; // struct bpf_prog_info begins with u32 type, u32 id
            var length = (uint)sizeof(ulong);
            using var lease = Lease();
            Errno.ThrowIfNegative(LibBpf.bpf_obj_get_info_by_fd(lease.Fd, &info, &length), $"read info of program '{Name}'");
            return (uint)(info >> 32);
        }
    }

    /// <summary>Whether <see cref="BpfObject.AttachAll"/> attaches it (<see cref="BpfProgramSpec.AutoAttach"/>); read with the object held open.</summary>
    internal bool AutoAttach => LibBpf.bpf_program__autoattach(_pointer);

    /// <summary>Holds the object (and so this program's descriptor and libbpf pointer) open until disposed.</summary>
    /// <exception cref="ObjectDisposedException">The object is disposed.</exception>
    internal FdLease Lease() => new(_lifetime, _fd, "the BPF object of program", Name);

    /// <summary>Attaches the program as its section name says (e.g. <c>tp/sched/sched_process_exec</c>, <c>tp_btf/...</c>, <c>raw_tp/...</c>).</summary>
    public BpfLink Attach()
    {
        var type = Type;
        if (type is BpfProgramType.Tracepoint)
        {
            BpfEnvironment.EnsureTracefs();
        }
        // uprobes, uretprobes and USDT probes are kprobe-typed programs too, but need no CONFIG_KPROBES.
        if (type is BpfProgramType.Kprobe && IsKernelProbeSection(SectionName) && !BpfEnvironment.HasKprobes)
        {
            throw KprobesUnsupported(SectionName, SectionName.StartsWith("kret", StringComparison.Ordinal));
        }
        return AttachCore(() => LibBpf.bpf_program__attach(_pointer), $"attach program '{Name}' ({SectionName})", SectionName);
    }

    /// <summary>
    /// What <see cref="BpfObject.AttachAll"/> does with one program, as a skeleton's attach does: <c>null</c> when its section
    /// says nothing to attach to (e.g. <c>SEC("uprobe")</c> without a target, an iterator, a custom section), the link otherwise.
    /// </summary>
    internal BpfLink? AttachIfAutoAttachable()
    {
        if (Type is BpfProgramType.Tracepoint)
        {
            BpfEnvironment.EnsureTracefs();
        }
        if (Type is BpfProgramType.Kprobe && IsKernelProbeSection(SectionName) && !BpfEnvironment.HasKprobes)
        {
            throw KprobesUnsupported(SectionName, SectionName.StartsWith("kret", StringComparison.Ordinal));
        }
        using var capture = LibbpfRuntime.Capture(_owner.Logger);
        nint link;
        using (Lease())
        {
            link = LibBpf.bpf_program__attach(_pointer);
        }
        if (link != 0)
        {
            return Adopt(link);
        }
        var errno = Errno.Last;
        var log = capture.Text;
        // libbpf says EOPNOTSUPP, silently, for a program without an auto-attach target; a real failure says why.
        if (errno == Errno.EOPNOTSUPP && log.Length == 0)
        {
            return null;
        }
        var denied = errno is Errno.EPERM or Errno.EACCES ? PermissionAdvice.DeniedPath(log) : null; // e.g. a tracepoint's id in tracefs
        var inner = Errno.ToException(errno, $"attach program '{Name}' ({SectionName})", denied);
        throw new BpfAttachException(inner.Message + (log.Length > 0 ? " libbpf said: " + BpfObject.LastLines(log, 3) : string.Empty), errno, SectionName, inner);
    }

    /// <summary>
    /// Attaches an iterator program (<c>SEC("iter/task")</c>, ...; <c>bpf_program__attach_iter</c>). Each
    /// <see cref="BpfLink.OpenIterator"/> of the returned link runs the iterator once and streams what it printed.
    /// </summary>
    public BpfLink AttachIterator() =>
        AttachCore(() => LibBpf.bpf_program__attach_iter(_pointer, null), $"attach iterator program '{Name}' ({SectionName})", SectionName);

    /// <summary>
    /// Attaches a USDT program (<c>SEC("usdt")</c> with <c>BPF_USDT</c>) to the statically defined probe
    /// <paramref name="provider"/>:<paramref name="name"/> of a binary or library (<c>bpf_program__attach_usdt</c>).
    /// </summary>
    /// <param name="binaryPath">The executable or library holding the probe's <c>.note.stapsdt</c> note.</param>
    /// <param name="provider">The probe's provider, e.g. <c>libc</c>.</param>
    /// <param name="name">The probe's name.</param>
    /// <param name="pid">The process to trace, or -1 for every process running the binary.</param>
    /// <exception cref="FileNotFoundException">The binary does not exist.</exception>
    /// <exception cref="BpfAttachException">No such probe in the binary, or the kernel refused.</exception>
    public BpfLink AttachUsdt(string binaryPath, string provider, string name, int pid = -1)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!File.Exists(binaryPath))
        {
            throw new FileNotFoundException($"Cannot attach USDT probe {provider}:{name}: binary '{binaryPath}' does not exist.", binaryPath);
        }
        var target = $"{binaryPath}:{provider}:{name}";
        return AttachCore(() => LibBpf.bpf_program__attach_usdt(_pointer, pid, binaryPath, provider, name, null), $"attach program '{Name}' to USDT probe {target}", target);
    }

    /// <summary>Attaches to the tracepoint <paramref name="category"/>/<paramref name="name"/>, e.g. <c>raw_syscalls</c>/<c>sys_enter</c>. Mounts tracefs if needed.</summary>
    /// <exception cref="BpfAttachException">No such tracepoint, or the kernel refused.</exception>
    public BpfLink AttachTracepoint(string category, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var tracefs = BpfEnvironment.EnsureTracefs();
        var eventPath = Path.Combine(tracefs, "events", category, name);
        if (!Directory.Exists(eventPath) && !IsDenied(eventPath)) // an unreadable tracefs is not a missing tracepoint
        {
            throw new BpfAttachException(
                $"Tracepoint '{category}:{name}' does not exist in this kernel ({eventPath} is missing). List them with 'ls {tracefs}/events/{category}'.",
                Errno.ENOENT,
                $"{category}:{name}");
        }
        return AttachCore(() => LibBpf.bpf_program__attach_tracepoint(_pointer, category, name), $"attach program '{Name}' to tracepoint {category}:{name}", $"{category}:{name}");
    }

    private static bool IsDenied(string directory)
    {
        try
        {
            _ = Directory.EnumerateFileSystemEntries(directory).Any();
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Attaches to the raw tracepoint <paramref name="name"/> (e.g. <c>sys_enter</c>); needs no tracefs.</summary>
    public BpfLink AttachRawTracepoint(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return AttachCore(() => LibBpf.bpf_program__attach_raw_tracepoint(_pointer, name), $"attach program '{Name}' to raw tracepoint {name}", name);
    }

    /// <summary>
    /// Attaches a kprobe or kretprobe to kernel function <paramref name="functionName"/>. Kernels without
    /// <c>CONFIG_KPROBES</c> get a <see cref="BpfFeatureNotSupportedException"/> that says so.
    /// </summary>
    public BpfLink AttachKprobe(string functionName, bool returnProbe = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        if (!BpfEnvironment.HasKprobes)
        {
            throw KprobesUnsupported(functionName, returnProbe);
        }
        return AttachCore(() => LibBpf.bpf_program__attach_kprobe(_pointer, returnProbe, functionName), $"attach program '{Name}' to kprobe {functionName}", functionName);
    }

    /// <summary>
    /// Attaches a uprobe (or uretprobe) to a function of an ELF binary or shared library.
    /// </summary>
    /// <param name="binaryPath">The executable or library, e.g. <c>/lib/x86_64-linux-gnu/libc.so.6</c>.</param>
    /// <param name="functionName">The symbol to probe; or <c>null</c> to use <paramref name="offset"/> alone.</param>
    /// <param name="offset">Offset within the function (or within the file when <paramref name="functionName"/> is null).</param>
    /// <param name="pid">Process to trace, or -1 for all processes.</param>
    /// <param name="returnProbe">Probe function return instead of entry.</param>
    public BpfLink AttachUprobe(string binaryPath, string? functionName, ulong offset = 0, int pid = -1, bool returnProbe = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        if (!File.Exists(binaryPath))
        {
            throw new FileNotFoundException($"Cannot attach uprobe: binary '{binaryPath}' does not exist.", binaryPath);
        }
        var target = $"{binaryPath}:{functionName ?? "0x" + offset.ToString("x", System.Globalization.CultureInfo.InvariantCulture)}";
        var symbol = functionName is null ? null : (byte*)Marshal.StringToCoTaskMemUTF8(functionName);
        try
        {
            var opts = (BpfUprobeOptions*)NativeMemory.AllocZeroed((nuint)sizeof(BpfUprobeOptions));
            opts->Size = (nuint)sizeof(BpfUprobeOptions);
            opts->Retprobe = returnProbe ? (byte)1 : (byte)0;
            opts->FunctionName = symbol;
            try
            {
                return AttachCore(
                () => LibBpf.bpf_program__attach_uprobe_opts(_pointer, pid, binaryPath, (nuint)offset, opts),
                $"attach program '{Name}' to {(returnProbe ? "uretprobe" : "uprobe")} {target}",
                target);
            }
            finally
            {
                NativeMemory.Free(opts);
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem((nint)symbol);
        }
    }

    /// <summary>
    /// Opens a perf event per <paramref name="cpu"/> (software or hardware, sampling at <paramref name="frequency"/> Hz) and
    /// attaches the program (type <c>perf_event</c>) to it. The link owns the perf event.
    /// </summary>
    public BpfLink AttachPerfEvent(PerfEventKind kind, int cpu, ulong frequency = 99, int pid = -1)
    {
        var attributes = new PerfEventAttributes
        {
            Type = kind.Type,
            Config = kind.Config,
            SamplePeriodOrFrequency = frequency,
            Flags = PerfEventAttributes.FlagFrequency,
        };
        var fd = PerfEvents.Open(ref attributes, pid, cpu, kind.ToString());
        var linked = false; // once libbpf made the link, the link owns the perf event (and closes it when destroyed)
        try
        {
            return AttachCore(
                () =>
                {
                    var link = LibBpf.bpf_program__attach_perf_event(_pointer, fd);
                    linked = link != 0;
                    return link;
                },
                $"attach program '{Name}' to perf event {kind} on cpu {cpu}",
                kind.ToString());
        }
        finally
        {
            if (!linked)
            {
                Libc.close(fd);
            }
        }
    }

    /// <summary>
    /// Runs the program once in the kernel (<c>BPF_PROG_TEST_RUN</c>) with the given context and returns its return value.
    /// Supported for program types such as raw tracepoint, syscall, XDP and socket filters.
    /// </summary>
    /// <param name="context">The context passed to the program (e.g. raw tracepoint arguments), or empty.</param>
    /// <param name="data">Packet data for networking programs, or empty.</param>
    /// <param name="cpu">Run on this CPU (raw tracepoints only), or -1 for the current one.</param>
    public uint TestRun(ReadOnlySpan<byte> context = default, ReadOnlySpan<byte> data = default, int cpu = -1)
    {
        fixed (byte* ctx = context)
        fixed (byte* dataIn = data)
        {
            var opts = new BpfTestRunOptions
            {
                Size = (nuint)sizeof(BpfTestRunOptions),
                ContextIn = context.IsEmpty ? null : ctx,
                ContextSizeIn = (uint)context.Length,
                DataIn = data.IsEmpty ? null : dataIn,
                DataSizeIn = (uint)data.Length,
                Flags = cpu >= 0 ? 1u : 0u, // BPF_F_TEST_RUN_ON_CPU
                Cpu = cpu >= 0 ? (uint)cpu : 0,
            };
            using var lease = Lease();
            Errno.ThrowIfNegative(LibBpf.bpf_prog_test_run_opts(lease.Fd, &opts), $"test-run program '{Name}'");
            return opts.ReturnValue;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({SectionName})";

    private BpfLink AttachCore(Func<nint> attach, string operation, string target)
    {
        using var capture = LibbpfRuntime.Capture(_owner.Logger);
        nint link;
        using (Lease())
        {
            link = attach();
        }
        if (link == 0)
        {
            var errno = Errno.Last;
            var log = capture.Text;
            var inner = Errno.ToException(errno, operation, errno is Errno.EPERM or Errno.EACCES ? PermissionAdvice.DeniedPath(log) : null);
            throw new BpfAttachException(
                inner.Message + (log.Length > 0 ? " libbpf said: " + BpfObject.LastLines(log, 3) : string.Empty),
                errno,
                target,
                inner as Exception);
        }
        return Adopt(link);
    }

    /// <summary>Wraps a new libbpf link; the object detaches it when disposed (or at once, if it was disposed meanwhile).</summary>
    private BpfLink Adopt(nint link)
    {
        var result = new BpfLink(new BpfLinkHandle(link), _owner);
        _owner.Track(result);
        return result;
    }

    private static bool IsKernelProbeSection(string section) =>
        section.StartsWith("kprobe", StringComparison.Ordinal) || section.StartsWith("kretprobe", StringComparison.Ordinal)
        || section.StartsWith("ksyscall", StringComparison.Ordinal) || section.StartsWith("kretsyscall", StringComparison.Ordinal);

    private BpfFeatureNotSupportedException KprobesUnsupported(string target, bool returnProbe)
    {
        var kind = returnProbe ? "kretprobe" : "kprobe";
        return new(
            kind,
            $"Cannot attach program '{Name}' as a {kind} to '{target}': this kernel has no kprobes (CONFIG_KPROBES is off: no /sys/bus/event_source/devices/kprobe). " +
            "Use a tracepoint (e.g. syscalls:sys_enter_*, sched:*) or a raw tracepoint instead.",
            Name,
            Errno.EOPNOTSUPP);
    }
}
