using Gadget.Containers;
using MountRecord = Gadget.Gadgets.Bpf.Mountsnoop.MountEvent;

namespace Gadget.Gadgets;

/// <summary>
/// One mount record read in place in the ring buffer, without copying or decoding it: what
/// <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/> of <see cref="MountSnoop"/> hands to
/// its handler. Valid only during that call; the texts are the kernel's bytes (as the caller passed them, not checked).
/// <see cref="ToEvent"/> makes a <see cref="MountEvent"/> of it.
/// </summary>
public readonly ref struct MountEventView
{
    private readonly GadgetRecord _record;

    internal MountEventView(GadgetRecord record) => _record = record;

    /// <summary>When the call returned, in the kernel's <c>CLOCK_BOOTTIME</c> nanoseconds.</summary>
    public ulong BootTimestamp => Record.Timestamp;

    /// <summary>When the call returned (wall clock).</summary>
    public DateTimeOffset Timestamp => BootClock.ToUtc(Record.Timestamp);

    /// <summary>The process that made the call: its ids and names.</summary>
    public ProcessView Process => _record.Process(MountRecord.Offsets.Proc);

    /// <summary>Which system call.</summary>
    public MountOperation Operation => (MountOperation)Record.Op;

    /// <summary>The source (see <see cref="MountEvent.Source"/>), as bytes (no NUL).</summary>
    public ReadOnlySpan<byte> SourceUtf8 => RecordText.UntilNul(Record.Source);

    /// <summary>The mount point (see <see cref="MountEvent.Target"/>), as bytes (no NUL).</summary>
    public ReadOnlySpan<byte> TargetUtf8 => RecordText.UntilNul(Record.Target);

    /// <summary>mount: the file system type as passed, as bytes (no NUL); empty for the others.</summary>
    public ReadOnlySpan<byte> FileSystemTypeUtf8 => RecordText.UntilNul(Record.Fstype);

    /// <summary>mount: the data argument (the file system's options), as bytes (no NUL).</summary>
    public ReadOnlySpan<byte> DataUtf8 => RecordText.UntilNul(Record.Data);

    /// <summary>The flags as passed (see <see cref="MountEvent.Flags"/>).</summary>
    public ulong Flags => Record.Flags;

    /// <summary>The flags' names joined by <c>|</c>, <c>0</c> when none (a combination seen a moment ago is not formatted again).</summary>
    public string FlagNames => MountFlags.Format(Operation, Flags);

    /// <summary>The syscall's result: 0, or -errno.</summary>
    public int ReturnValue => Record.Retval;

    /// <summary>The errno of a failed call, 0 on success.</summary>
    public int Error => ReturnValue < 0 ? -ReturnValue : 0;

    /// <summary>"OK", or the error's name (ENODEV, EPERM, EBUSY...).</summary>
    public string Result => ReturnValue >= 0 ? "OK" : Gadget.Bpf.Errno.Name(Error);

    /// <summary>The cgroup2 id of the process.</summary>
    public ulong CgroupId => Record.CgroupId;

    /// <summary>The container the process runs in, when the gadget's collection knows its cgroup (looked up at each read).</summary>
    public Container? Container => _record.Container(CgroupId);

    private ref MountRecord Record => ref _record.As<MountRecord>();

    /// <summary>The record as a <see cref="MountEvent"/> (allocates it; short texts come from the gadget's cache of texts).</summary>
    public MountEvent ToEvent()
    {
        var process = Process;
        return new MountEvent
        {
            Timestamp = Timestamp,
            Pid = process.Pid,
            Tid = process.Tid,
            ParentPid = process.ParentPid,
            Uid = process.Uid,
            Gid = process.Gid,
            Comm = _record.Text(process.CommUtf8),
            ParentComm = _record.Text(process.ParentCommUtf8),
            Operation = Operation,
            Source = _record.Text(SourceUtf8),
            Target = _record.Text(TargetUtf8),
            FileSystemType = _record.Text(FileSystemTypeUtf8),
            Data = _record.Text(DataUtf8),
            Flags = Flags,
            ReturnValue = ReturnValue,
            CgroupId = CgroupId,
            Container = Container,
        };
    }
}
