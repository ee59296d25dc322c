using Gadget.Containers;
using SignalRecord = Gadget.Gadgets.Bpf.Sigsnoop.SignalEvent;

namespace Gadget.Gadgets;

/// <summary>
/// One signal record read in place in the ring buffer, without copying or decoding it: what
/// <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/> of <see cref="SigSnoop"/> hands to
/// its handler. Valid only during that call. <see cref="ToEvent"/> makes a <see cref="SignalEvent"/> of it.
/// </summary>
public readonly ref struct SignalEventView
{
    private readonly GadgetRecord _record;

    internal SignalEventView(GadgetRecord record) => _record = record;

    /// <summary>When the signal was generated, in the kernel's <c>CLOCK_BOOTTIME</c> nanoseconds.</summary>
    public ulong BootTimestamp => Record.Timestamp;

    /// <summary>When the signal was generated (wall clock).</summary>
    public DateTimeOffset Timestamp => BootClock.ToUtc(Record.Timestamp);

    /// <summary>The sender (the current task; the kernel itself for e.g. SIGCHLD, SIGSEGV or an OOM kill).</summary>
    public ProcessView Sender => _record.Process(SignalRecord.Offsets.Sender);

    /// <summary>Process id of the target.</summary>
    public int TargetPid => (int)Record.TargetPid;

    /// <summary>Thread id of the target.</summary>
    public int TargetTid => (int)Record.TargetTid;

    /// <summary>Task name of the target, as the kernel's bytes (no NUL).</summary>
    public ReadOnlySpan<byte> TargetCommUtf8 => RecordText.UntilNul(Record.TargetComm);

    /// <summary>Signal number (9 SIGKILL, 15 SIGTERM...).</summary>
    public int Signal => Record.Signal;

    /// <summary>The signal's name, as <see cref="SignalEvent.SignalName"/> (SIGKILL...; SIGRTMIN+n, or the number for one out of range).</summary>
    public string SignalName => LinuxSignals.LibcName(Signal);

    /// <summary>True when the signal was sent to the whole thread group (kill), false for one thread (tgkill).</summary>
    public bool ToThreadGroup => Record.Group != 0;

    /// <summary>What the kernel did with it.</summary>
    public SignalResult Result => (SignalResult)Record.Result;

    /// <summary>The sender's cgroup2 id.</summary>
    public ulong SenderCgroupId => Record.SenderCgroupId;

    /// <summary>The target's cgroup2 id.</summary>
    public ulong TargetCgroupId => Record.TargetCgroupId;

    /// <summary>The sender's container, when known (looked up at each read).</summary>
    public Container? SenderContainer => _record.Container(SenderCgroupId);

    /// <summary>The target's container, when known (looked up at each read).</summary>
    public Container? TargetContainer => _record.Container(TargetCgroupId);

    /// <summary>The container this event is about: the target's, else the sender's.</summary>
    public Container? Container => TargetContainer ?? SenderContainer;

    private ref SignalRecord Record => ref _record.As<SignalRecord>();

    /// <summary>The record as a <see cref="SignalEvent"/> (allocates it; task names come from the gadget's cache of texts).</summary>
    public SignalEvent ToEvent()
    {
        var sender = Sender;
        return new SignalEvent
        {
            Timestamp = Timestamp,
            SenderPid = sender.Pid,
            SenderTid = sender.Tid,
            SenderParentPid = sender.ParentPid,
            SenderUid = sender.Uid,
            SenderGid = sender.Gid,
            SenderComm = _record.Text(sender.CommUtf8),
            SenderParentComm = _record.Text(sender.ParentCommUtf8),
            TargetPid = TargetPid,
            TargetTid = TargetTid,
            TargetComm = _record.Text(TargetCommUtf8),
            Signal = Signal,
            ToThreadGroup = ToThreadGroup,
            Result = Result,
            SenderCgroupId = SenderCgroupId,
            TargetCgroupId = TargetCgroupId,
            SenderContainer = SenderContainer,
            TargetContainer = TargetContainer,
        };
    }
}
