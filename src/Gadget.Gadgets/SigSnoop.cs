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
public sealed class SigSnoop : RingBufferGadget<SignalEvent>
{
    private SigSnoop(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF program; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static SigSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("sigsnoop.bpf.o", options));

    private protected override SignalEvent? Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < SignalRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<SignalRecord>(record);
        return new SignalEvent
        {
            Timestamp = BootClock.ToUtc(r.Timestamp),
            SenderPid = (int)r.Sender.Pid,
            SenderTid = (int)r.Sender.Tid,
            SenderParentPid = (int)r.Sender.Ppid,
            SenderUid = (int)r.Sender.Uid,
            SenderGid = (int)r.Sender.Gid,
            SenderComm = Runtime.Texts.Decode(r.Sender.Comm),
            SenderParentComm = Runtime.Texts.Decode(r.Sender.Pcomm),
            TargetPid = (int)r.TargetPid,
            TargetTid = (int)r.TargetTid,
            TargetComm = Runtime.Texts.Decode(r.TargetComm),
            Signal = r.Signal,
            ToThreadGroup = r.Group != 0,
            Result = (SignalResult)r.Result,
            SenderCgroupId = r.SenderCgroupId,
            TargetCgroupId = r.TargetCgroupId,
            SenderContainer = Runtime.ResolveContainer(r.SenderCgroupId),
            TargetContainer = Runtime.ResolveContainer(r.TargetCgroupId),
        };
    }
}
