using Gadget.Bpf;
using CapableRecord = Gadget.Gadgets.Bpf.Capable.CapableEvent;

namespace Gadget.Gadgets;

/// <summary>
/// capable (ig's trace capabilities, BCC's capable): every capability check of the selected containers' processes (or of
/// the host), with the capability, whether a denial is audited, the user namespace and the verdict, from a kprobe and a
/// kretprobe on the kernel's <c>cap_capable()</c>.
/// </summary>
/// <remarks>
/// Needs kprobes (<c>CONFIG_KPROBES</c>): on a kernel without them <see cref="Start"/> throws a
/// <see cref="BpfFeatureNotSupportedException"/> before loading anything. Capability checks are frequent (every
/// privileged syscall, many file accesses): select containers, or expect many events on a busy host.
/// </remarks>
/// <example>
/// <code>
/// await using var capable = Capable.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in capable.ReadAsync(ct)) Console.WriteLine($"{e.Comm} {e.CapabilityName} {(e.Allowed ? "allowed" : "denied")}");
/// </code>
/// </example>
public sealed class Capable : RingBufferGadget<CapabilityEvent>
{
    private const uint NoAudit = 0x2; // CAP_OPT_NOAUDIT

    private Capable(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the kprobe and kretprobe on <c>cap_capable()</c>; checks are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no kprobes (feature <c>kprobe</c>); nothing was loaded.</exception>
    /// <exception cref="BpfException">Loading or attaching failed.</exception>
    public static Capable Start(GadgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!BpfEnvironment.HasKprobes)
        {
            throw new BpfFeatureNotSupportedException(
                "kprobe",
                $"capable traces cap_capable() with a kprobe and a kretprobe, and this kernel ({Environment.OSVersion.Version}) has no kprobes " +
                "(CONFIG_KPROBES is off: no /sys/bus/event_source/devices/kprobe, no kprobe_events in tracefs); nothing was loaded. " +
                "It runs on a kernel built with CONFIG_KPROBES=y (Linux 5.10 or newer with BTF, e.g. Debian's 5.10, 6.1 and 6.12 kernels).");
        }
        return new(GadgetRuntime.Start("capable.bpf.o", options));
    }

    /// <summary>The name of capability number <paramref name="capability"/>: CAP_CHOWN for 0, ..., CAP_CHECKPOINT_RESTORE for 40; <c>CAP_&lt;n&gt;</c> for a number this library does not know.</summary>
    public static string CapabilityName(int capability) => LinuxCapabilities.Name(capability);

    private protected override CapabilityEvent? Decode(ReadOnlySpan<byte> record) => Parse(record, Runtime);

    /// <summary>The event in one record of bpf/capable.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static CapabilityEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null)
    {
        if (record.Length < CapableRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<CapableRecord>(record);
        return new CapabilityEvent
        {
            Timestamp = BootClock.ToUtc(r.Timestamp),
            Pid = (int)r.Proc.Pid,
            Tid = (int)r.Proc.Tid,
            ParentPid = (int)r.Proc.Ppid,
            Uid = (int)r.Proc.Uid,
            Gid = (int)r.Proc.Gid,
            Comm = RecordText.Decode(r.Proc.Comm, runtime),
            ParentComm = RecordText.Decode(r.Proc.Pcomm, runtime),
            Capability = r.Cap,
            Options = r.Opts,
            Audit = (r.Opts & NoAudit) == 0,
            ReturnValue = r.Ret,
            UserNamespaceId = r.TargetUserns,
            CgroupId = r.CgroupId,
            Container = runtime?.ResolveContainer(r.CgroupId),
        };
    }
}
