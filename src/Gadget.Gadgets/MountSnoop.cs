using MountRecord = Gadget.Gadgets.Bpf.Mountsnoop.MountEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces <c>mount</c>, <c>umount2</c> and <c>move_mount</c> (their syscalls enter/exit tracepoints): source, target,
/// file system type, options, flags (with their <c>MS_*</c>/<c>MNT_*</c> names) and the result (0 or -errno, e.g. ENODEV).
/// </summary>
/// <example>
/// <code>
/// await using var mounts = MountSnoop.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in mounts.ReadAsync(ct)) Console.WriteLine($"{e.Comm} {e.Operation} {e.Source} {e.Target} {e.FileSystemType} {e.FlagNames} {e.Result}");
/// </code>
/// </example>
public sealed class MountSnoop : RingBufferViewGadget<MountEvent, MountEventView>
{
    private MountSnoop(GadgetRuntime runtime)
        : base(runtime, MountRecord.Size)
    {
    }

    /// <summary>Loads and attaches the BPF programs; mounts and unmounts are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static MountSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("mountsnoop.bpf.o", options));

    private protected override MountEventView View(ReadOnlySpan<byte> record) => new(new GadgetRecord(record, Runtime));

    private protected override MountEvent ToEvent(in MountEventView view) => view.ToEvent();

    /// <summary>The event in one record of bpf/mountsnoop.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static MountEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null) =>
        record.Length < MountRecord.Size ? null : new MountEventView(new GadgetRecord(record, runtime)).ToEvent();
}
