using Gadget.Containers;
using ExitRecord = Gadget.Gadgets.Bpf.Exitsnoop.ExitEvent;

namespace Gadget.Gadgets;

/// <summary>
/// One exit record read in place in the ring buffer, without copying or decoding it: what
/// <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/> of <see cref="ExitSnoop"/> hands to
/// its handler. Valid only during that call. <see cref="ToEvent"/> makes an <see cref="ExitEvent"/> of it.
/// </summary>
public readonly ref struct ExitEventView
{
    private readonly GadgetRecord _record;

    internal ExitEventView(GadgetRecord record) => _record = record;

    /// <summary>When the task exited, in the kernel's <c>CLOCK_BOOTTIME</c> nanoseconds.</summary>
    public ulong BootTimestamp => Record.Timestamp;

    /// <summary>When the task exited (wall clock).</summary>
    public DateTimeOffset Timestamp => BootClock.ToUtc(Record.Timestamp);

    /// <summary>The task that exited: its ids and names (<see cref="ProcessView.Tid"/> equals the pid for a process's exit).</summary>
    public ProcessView Process => _record.Process(ExitRecord.Offsets.Proc);

    /// <summary>The wait status its parent is given (see <see cref="ExitEvent.ExitStatus"/>).</summary>
    public int ExitStatus => (int)Record.ExitStatus;

    /// <summary>The exit code (0-255) when the process exited by itself; null when a signal killed it.</summary>
    public int? ExitCode => WaitStatus.ExitCode(ExitStatus);

    /// <summary>The signal that killed the process, or null when it exited by itself.</summary>
    public int? Signal => WaitStatus.Signal(ExitStatus);

    /// <summary>The killing signal's name (SIGKILL, SIGSEGV...), or null when the process exited by itself.</summary>
    public string? SignalName => WaitStatus.SignalName(ExitStatus);

    /// <summary>Whether a core dump was written.</summary>
    public bool CoreDumped => WaitStatus.CoreDumped(ExitStatus);

    /// <summary>How long the task lived, in nanoseconds: from its creation (fork/clone) to its exit.</summary>
    public ulong LifetimeNanoseconds => Record.LifetimeNs;

    /// <summary>How long the task lived (to 100 ns, as <see cref="ExitEvent.Lifetime"/>).</summary>
    public TimeSpan Lifetime => TimeSpan.FromTicks((long)(Record.LifetimeNs / 100));

    /// <summary>The cgroup2 id of the process.</summary>
    public ulong CgroupId => Record.CgroupId;

    /// <summary>The container the process ran in, when the gadget's collection knows its cgroup (looked up at each read).</summary>
    public Container? Container => _record.Container(CgroupId);

    private ref ExitRecord Record => ref _record.As<ExitRecord>();

    /// <summary>The record as an <see cref="ExitEvent"/> (allocates it; comm and pcomm come from the gadget's cache of texts).</summary>
    public ExitEvent ToEvent()
    {
        var process = Process;
        return new ExitEvent
        {
            Timestamp = Timestamp,
            Pid = process.Pid,
            Tid = process.Tid,
            ParentPid = process.ParentPid,
            Uid = process.Uid,
            Gid = process.Gid,
            Comm = _record.Text(process.CommUtf8),
            ParentComm = _record.Text(process.ParentCommUtf8),
            ExitStatus = ExitStatus,
            Lifetime = Lifetime,
            CgroupId = CgroupId,
            Container = Container,
        };
    }
}
