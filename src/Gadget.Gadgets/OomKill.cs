using OomRecord = Gadget.Gadgets.Bpf.Oomkill.OomEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces OOM kills (tp_btf oom:mark_victim): the victim with its memory cgroup, container and pages, and the task
/// whose allocation triggered the kill. An event is selected when the victim's or the trigger's container is.
/// </summary>
/// <example>
/// <code>
/// await using var oom = OomKill.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in oom.ReadAsync(ct)) Console.WriteLine($"{e.Container?.Name}: killed {e.VictimPid} {e.VictimComm}");
/// </code>
/// </example>
public sealed class OomKill : IGadget<OomKillEvent>
{
    private readonly GadgetRuntime _runtime;

    private OomKill(GadgetRuntime runtime)
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
    public static OomKill Start(GadgetOptions options) => new(GadgetRuntime.Start("oomkill.bpf.o", options));

    /// <summary>The events as they arrive, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<OomKillEvent> ReadAsync(CancellationToken cancellationToken = default) => _runtime.ReadAsync(Decode, cancellationToken);

    /// <summary>Detaches the program and ends <see cref="ReadAsync"/>.</summary>
    public void Dispose() => _runtime.Dispose();

    /// <summary>Detaches the program and ends <see cref="ReadAsync"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private OomKillEvent? Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < OomRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<OomRecord>(record);
        return new OomKillEvent
        {
            Timestamp = BootClock.ToUtc(r.Timestamp),
            VictimPid = (int)r.VictimPid,
            VictimComm = RecordText.Decode(r.VictimComm),
            VictimUid = (int)r.VictimUid,
            TotalVmPages = r.TotalVmPages,
            AnonRssPages = r.AnonRssPages,
            FileRssPages = r.FileRssPages,
            ShmemRssPages = r.ShmemRssPages,
            MemoryCgroup = RecordText.Decode(r.MemcgName),
            TriggerPid = (int)r.Trigger.Pid,
            TriggerTid = (int)r.Trigger.Tid,
            TriggerParentPid = (int)r.Trigger.Ppid,
            TriggerUid = (int)r.Trigger.Uid,
            TriggerGid = (int)r.Trigger.Gid,
            TriggerComm = RecordText.Decode(r.Trigger.Comm),
            TriggerParentComm = RecordText.Decode(r.Trigger.Pcomm),
            VictimCgroupId = r.VictimCgroupId,
            TriggerCgroupId = r.TriggerCgroupId,
            Container = _runtime.ResolveContainer(r.VictimCgroupId),
            TriggerContainer = _runtime.ResolveContainer(r.TriggerCgroupId),
        };
    }
}
