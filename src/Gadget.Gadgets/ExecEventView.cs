using Gadget.Containers;
using ExecRecord = Gadget.Gadgets.Bpf.Execsnoop.ExecEvent;

namespace Gadget.Gadgets;

/// <summary>
/// One exec record read in place in the ring buffer, without copying or decoding it: what
/// <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/> hands to its handler. Valid only during that call; the texts
/// are the kernel's bytes (UTF-8 as the process passed them, not checked). <see cref="ToEvent"/> makes an
/// <see cref="ExecEvent"/> of it.
/// </summary>
public readonly ref struct ExecEventView
{
    // exec_event.flags (bpf/execsnoop.bpf.c's EXEC_TOO_MANY_ARGS, EXEC_ARG_CUT, EXEC_ARGV_FAULT: macros, not in BTF).
    private const uint TooManyArguments = 1;
    private const uint ArgumentCut = 2;
    private const uint ArgumentsFault = 4;

    private readonly ReadOnlySpan<byte> _record;
    private readonly RecordTexts? _texts;

    internal ExecEventView(ReadOnlySpan<byte> record, ReadOnlySpan<byte> arguments, Container? container, RecordTexts? texts)
    {
        _record = record;
        ArgumentsUtf8 = arguments;
        Container = container;
        _texts = texts;
    }

    /// <summary>The exec's start, in the kernel's <c>CLOCK_BOOTTIME</c> nanoseconds.</summary>
    public ulong BootTimestamp => Header.Timestamp;

    /// <summary>When the exec started (wall clock).</summary>
    public DateTimeOffset Timestamp => BootClock.ToUtc(Header.Timestamp);

    /// <summary>Process id (thread group id) of the process that exec'd.</summary>
    public int Pid => (int)Header.Proc.Pid;

    /// <summary>Thread id that called exec.</summary>
    public int Tid => (int)Header.Proc.Tid;

    /// <summary>Process id of the parent.</summary>
    public int ParentPid => (int)Header.Proc.Ppid;

    /// <summary>User id.</summary>
    public int Uid => (int)Header.Proc.Uid;

    /// <summary>Group id.</summary>
    public int Gid => (int)Header.Proc.Gid;

    /// <summary>The syscall's result: 0, or -errno.</summary>
    public int ReturnValue => Header.Retval;

    /// <summary>The cgroup2 id of the process.</summary>
    public ulong CgroupId => Header.CgroupId;

    /// <summary>The container the process runs in, when the gadget's collection knows its cgroup.</summary>
    public Container? Container { get; }

    /// <summary>The process that exec'd (the same ids and names as the properties above and below).</summary>
    public ProcessView Process => new(_record, ExecRecord.Offsets.Proc);

    /// <summary>The task name after the call, as bytes (no NUL).</summary>
    public ReadOnlySpan<byte> CommUtf8 => RecordText.UntilNul(Header.Proc.Comm);

    /// <summary>The parent process's task name, as bytes (no NUL).</summary>
    public ReadOnlySpan<byte> ParentCommUtf8 => RecordText.UntilNul(Header.Proc.Pcomm);

    /// <summary>The arguments as the kernel copied them: each one followed by a NUL (the last one possibly cut without it).</summary>
    public ReadOnlySpan<byte> ArgumentsUtf8 { get; }

    /// <summary>How many arguments <see cref="ArgumentsUtf8"/> holds at most.</summary>
    public int ArgumentCount => Header.ArgsCount;

    /// <summary>The arguments one by one, as bytes: <c>foreach (var arg in view.Arguments)</c>.</summary>
    public ExecEventArguments Arguments => new(ArgumentsUtf8, Header.ArgsCount);

    /// <summary>True when argv had more arguments than reported, or an argument was cut.</summary>
    public bool ArgumentsTruncated => (Header.Flags & (TooManyArguments | ArgumentCut | ArgumentsFault)) != 0;

    private ref ExecRecord Header => ref RecordView.Prefix<ExecRecord>(_record, ExecRecord.Offsets.Args);

    /// <summary>The record as an <see cref="ExecEvent"/> (allocates it and its argument strings).</summary>
    public ExecEvent ToEvent()
    {
        var arguments = new string[Math.Clamp(ArgumentCount, 0, 64)];
        var count = 0;
        foreach (var argument in Arguments)
        {
            if (count == arguments.Length)
            {
                break;
            }
            arguments[count++] = System.Text.Encoding.UTF8.GetString(argument);
        }
        if (count != arguments.Length)
        {
            Array.Resize(ref arguments, count);
        }
        return new ExecEvent
        {
            Timestamp = Timestamp,
            Pid = Pid,
            Tid = Tid,
            ParentPid = ParentPid,
            Uid = Uid,
            Gid = Gid,
            Comm = RecordText.FromUtf8(CommUtf8, _texts),
            ParentComm = RecordText.FromUtf8(ParentCommUtf8, _texts),
            ReturnValue = ReturnValue,
            Arguments = arguments,
            ArgumentsTruncated = ArgumentsTruncated,
            CgroupId = CgroupId,
            Container = Container,
        };
    }
}
