using ProcessRecord = Gadget.Gadgets.Bpf.Exitsnoop.GadgetProcess;

namespace Gadget.Gadgets;

/// <summary>
/// The process a record is about (bpf/gadget.h's <c>struct gadget_process</c>, the same 56 bytes in every gadget's
/// record), read in place: ids, credentials, task names as the kernel's bytes. Part of a view
/// (<see cref="ExitEventView.Process"/>, <see cref="SignalEventView.Sender"/>...): valid as long as the view is.
/// </summary>
public readonly ref struct ProcessView
{
    // Every object's gadget_process has the layout of exitsnoop's generated type (RecordLayoutTests checks each object's
    // against its own type, and that those types agree).
    private readonly ReadOnlySpan<byte> _bytes;

    internal ProcessView(ReadOnlySpan<byte> record, int offset)
    {
        _bytes = record.Slice(offset, ProcessRecord.Size);
    }

    /// <summary>Process id (thread group id).</summary>
    public int Pid => (int)Record.Pid;

    /// <summary>Thread id.</summary>
    public int Tid => (int)Record.Tid;

    /// <summary>Process id of the parent (the real parent's thread group id).</summary>
    public int ParentPid => (int)Record.Ppid;

    /// <summary>User id.</summary>
    public int Uid => (int)Record.Uid;

    /// <summary>Group id.</summary>
    public int Gid => (int)Record.Gid;

    /// <summary>The task name, as the kernel's bytes (no NUL; UTF-8 as the process set it, not checked).</summary>
    public ReadOnlySpan<byte> CommUtf8 => RecordText.UntilNul(Record.Comm);

    /// <summary>The parent process's task name (its <c>comm</c> as in /proc/PPID/comm), as bytes (no NUL).</summary>
    public ReadOnlySpan<byte> ParentCommUtf8 => RecordText.UntilNul(Record.Pcomm);

    private ref ProcessRecord Record => ref RecordView.Of<ProcessRecord>(_bytes);
}
