using ExecRecord = Gadget.Gadgets.Bpf.Execsnoop.ExecEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces every <c>execve</c>/<c>execveat</c> (tracepoints syscalls:sys_enter_execve(at) for argv, sys_exit_execve(at)
/// for the result) of the selected containers, or of the host: pid, ppid, argv, result, container.
/// </summary>
/// <example>
/// <code>
/// await using var snoop = ExecSnoop.Start(new GadgetOptions { Containers = containers, Selector = new() { Name = "web" } });
/// await foreach (var e in snoop.ReadAsync(ct)) Console.WriteLine($"{e.Pid} {e.Comm} {e.ReturnValue} {e.CommandLine}");
/// </code>
/// </example>
public sealed class ExecSnoop : IGadget<ExecEvent>
{
    /// <summary>How many arguments an event carries at most.</summary>
    public const int MaxArguments = 20;

    /// <summary>How many bytes of one argument an event carries at most.</summary>
    public const int MaxArgumentLength = 127;

    // exec_event.flags (bpf/execsnoop.bpf.c's EXEC_TOO_MANY_ARGS, EXEC_ARG_CUT, EXEC_ARGV_FAULT: macros, not in BTF).
    private const uint TooManyArguments = 1;
    private const uint ArgumentCut = 2;
    private const uint ArgumentsFault = 4;

    private readonly GadgetRuntime _runtime;

    private ExecSnoop(GadgetRuntime runtime)
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

    /// <summary>Loads and attaches the BPF programs; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static ExecSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("execsnoop.bpf.o", options));

    /// <summary>The events as they arrive, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<ExecEvent> ReadAsync(CancellationToken cancellationToken = default) => _runtime.ReadAsync(Decode, cancellationToken);

    /// <summary>Detaches the programs and ends <see cref="ReadAsync"/>.</summary>
    public void Dispose() => _runtime.Dispose();

    /// <summary>Detaches the programs and ends <see cref="ReadAsync"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private ExecEvent? Decode(ReadOnlySpan<byte> record)
    {
        // The record is exec_event's fixed part and args_size bytes of arguments, not the whole struct (generated from the
        // object's BTF, with args[] at its full size): the fixed part is read in place, args[] through the record's bytes.
        const int size = ExecRecord.Offsets.Args;
        if (record.Length < size)
        {
            return null;
        }
        ref var header = ref RecordView.Prefix<ExecRecord>(record, size);
        var args = record[size..];
        args = args[..Math.Min(args.Length, (int)header.ArgsSize)];
        var arguments = new List<string>(header.ArgsCount);
        while (!args.IsEmpty && arguments.Count < header.ArgsCount)
        {
            var end = args.IndexOf((byte)0);
            var text = end < 0 ? args : args[..end];
            arguments.Add(System.Text.Encoding.UTF8.GetString(text));
            args = end < 0 ? default : args[(end + 1)..];
        }
        return new ExecEvent
        {
            Timestamp = BootClock.ToUtc(header.Timestamp),
            Pid = (int)header.Proc.Pid,
            Tid = (int)header.Proc.Tid,
            ParentPid = (int)header.Proc.Ppid,
            Uid = (int)header.Proc.Uid,
            Gid = (int)header.Proc.Gid,
            Comm = RecordText.Decode(header.Proc.Comm),
            ParentComm = RecordText.Decode(header.Proc.Pcomm),
            ReturnValue = header.Retval,
            Arguments = arguments,
            ArgumentsTruncated = (header.Flags & (TooManyArguments | ArgumentCut | ArgumentsFault)) != 0,
            CgroupId = header.CgroupId,
            Container = _runtime.ResolveContainer(header.CgroupId),
        };
    }
}
