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
public sealed class SigSnoop : IGadget<SignalEvent>
{
    private readonly GadgetRuntime _runtime;

    private SigSnoop(GadgetRuntime runtime)
    {
        _runtime = runtime;
        runtime.Owner = this;
    }

    /// <summary>Events the kernel dropped because the ring buffer was full.</summary>
    public ulong LostEvents => _runtime.LostEvents;

    /// <summary>
    /// Raised while <see cref="ReadAsync"/> runs, on the thread reading, when the kernel dropped events because the ring
    /// buffer was full (after the batch read at that wake-up has been handed out). No allocation unless events were lost.
    /// </summary>
    public event EventHandler<EventsLostEventArgs>? EventsLost
    {
        add => _runtime.EventsLost += value;
        remove => _runtime.EventsLost -= value;
    }

    /// <summary>Loads and attaches the BPF program; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static SigSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("sigsnoop.bpf.o", options));

    /// <summary>The events as they arrive, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<SignalEvent> ReadAsync(CancellationToken cancellationToken = default) => _runtime.ReadAsync(Decode, cancellationToken);

    /// <summary>Detaches the program and ends <see cref="ReadAsync"/>.</summary>
    public void Dispose() => _runtime.Dispose();

    /// <summary>Detaches the program and ends <see cref="ReadAsync"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private SignalEvent? Decode(ReadOnlySpan<byte> record)
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
            SenderComm = RecordText.Decode(r.Sender.Comm),
            SenderParentComm = RecordText.Decode(r.Sender.Pcomm),
            TargetPid = (int)r.TargetPid,
            TargetTid = (int)r.TargetTid,
            TargetComm = RecordText.Decode(r.TargetComm),
            Signal = r.Signal,
            ToThreadGroup = r.Group != 0,
            Result = (SignalResult)r.Result,
            SenderCgroupId = r.SenderCgroupId,
            TargetCgroupId = r.TargetCgroupId,
            SenderContainer = _runtime.ResolveContainer(r.SenderCgroupId),
            TargetContainer = _runtime.ResolveContainer(r.TargetCgroupId),
        };
    }
}
