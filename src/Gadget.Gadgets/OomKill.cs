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
public sealed class OomKill : RingBufferGadget<OomKillEvent>
{
    private OomKill(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF program; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static OomKill Start(GadgetOptions options) => new(GadgetRuntime.Start("oomkill.bpf.o", options));

    private protected override OomKillEvent? Decode(ReadOnlySpan<byte> record)
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
            VictimComm = Runtime.Texts.Decode(r.VictimComm),
            VictimUid = (int)r.VictimUid,
            TotalVmPages = r.TotalVmPages,
            AnonRssPages = r.AnonRssPages,
            FileRssPages = r.FileRssPages,
            ShmemRssPages = r.ShmemRssPages,
            MemoryCgroup = Runtime.Texts.Decode(r.MemcgName),
            TriggerPid = (int)r.Trigger.Pid,
            TriggerTid = (int)r.Trigger.Tid,
            TriggerParentPid = (int)r.Trigger.Ppid,
            TriggerUid = (int)r.Trigger.Uid,
            TriggerGid = (int)r.Trigger.Gid,
            TriggerComm = Runtime.Texts.Decode(r.Trigger.Comm),
            TriggerParentComm = Runtime.Texts.Decode(r.Trigger.Pcomm),
            VictimCgroupId = r.VictimCgroupId,
            TriggerCgroupId = r.TriggerCgroupId,
            Container = Runtime.ResolveContainer(r.VictimCgroupId),
            TriggerContainer = Runtime.ResolveContainer(r.TriggerCgroupId),
        };
    }
}
