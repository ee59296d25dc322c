using SignalRecord = Gadget.Gadgets.Bpf.Sigsnoop.SignalEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces the signals generated for processes (tp_btf signal:signal_generate): sender, target, signal and result; an
/// event is selected when the sender's or the target's container is, so a container killed from the host shows up.
/// </summary>
/// <example>
/// <code>
/// await using var snoop = SigSnoop.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in snoop.ReadAsync(ct)) Console.WriteLine($"{e.SenderComm} sent {e.SignalName} to {e.TargetPid} in {e.Container?.Name}");
/// </code>
/// </example>
public sealed class SigSnoop : RingBufferViewGadget<SignalEvent, SignalEventView>
{
    private SigSnoop(GadgetRuntime runtime)
        : base(runtime, SignalRecord.Size)
    {
    }

    /// <summary>Loads and attaches the BPF program; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static SigSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("sigsnoop.bpf.o", options));

    private protected override SignalEventView View(ReadOnlySpan<byte> record) => new(new GadgetRecord(record, Runtime));

    private protected override SignalEvent ToEvent(in SignalEventView view) => view.ToEvent();
}
