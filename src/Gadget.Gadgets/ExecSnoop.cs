using Gadget.Bpf;
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
public sealed class ExecSnoop : RingBufferGadget<ExecEvent>
{
    /// <summary>How many arguments an event carries at most.</summary>
    public const int MaxArguments = 20;

    /// <summary>How many bytes of one argument an event carries at most.</summary>
    public const int MaxArgumentLength = 127;

    // A ring buffer record's header, and the largest exec record with it (the whole struct, 8-byte aligned).
    private const int RecordHeader = 8;
    private static readonly int MaxRecordBytes = RecordHeader + ((System.Runtime.CompilerServices.Unsafe.SizeOf<ExecRecord>() + 7) & ~7);

    private ExecSnoop(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF programs; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static ExecSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("execsnoop.bpf.o", options));

    /// <summary>
    /// Completes when exec records are waiting to be read with <see cref="Consume{THandler}(ref THandler)"/>: the
    /// allocation-free way to read the gadget, instead of <see cref="RingBufferGadget{TEvent}.ReadAsync"/> (use one or the other, not both).
    /// Typical loop: <c>while (await snoop.WaitAsync(ct)) snoop.Consume(ref handler);</c>. One wait at a time.
    /// </summary>
    /// <returns><c>true</c> when records are waiting; <c>false</c> once the gadget is disposed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return Runtime.Reader.WaitAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return new ValueTask<bool>(false);
        }
    }

    /// <summary>
    /// Hands every exec record waiting now to <paramref name="handler"/>, in place in the ring buffer (no copy, no
    /// allocation), and returns without waiting. Then raises <see cref="RingBufferGadget{TEvent}.EventsLost"/> when the kernel dropped events: it
    /// reads the kernel's counter only after a batch large enough to follow a drop, or a second after its last read, so a
    /// drop is reported with the batch that follows it, or (rarely, when the count lands after that batch was read) up to
    /// a second later.
    /// </summary>
    /// <typeparam name="THandler">The handler, a struct: the call is specialized for it.</typeparam>
    /// <param name="handler">Receives each record; by reference, so its state is updated in place.</param>
    /// <returns>The number of records handed out.</returns>
    /// <exception cref="ObjectDisposedException">The gadget is disposed.</exception>
    public int Consume<THandler>(ref THandler handler)
        where THandler : IExecEventHandler
    {
        var adapter = new ViewHandler<THandler>(this, ref handler);
        Runtime.Reader.Consume(ref adapter);
        Runtime.AfterBatch(adapter.Count, adapter.Bytes, MaxRecordBytes);
        return adapter.Count;
    }

    private protected override ExecEvent? Decode(ReadOnlySpan<byte> record) => TryView(record, out var view) ? view.ToEvent() : null;

    private bool TryView(ReadOnlySpan<byte> record, out ExecEventView view)
    {
        // The record is exec_event's fixed part and args_size bytes of arguments, not the whole struct (generated from the
        // object's BTF, with args[] at its full size): the fixed part is read in place, args[] through the record's bytes.
        const int size = ExecRecord.Offsets.Args;
        if (record.Length < size)
        {
            view = default;
            return false;
        }
        ref var header = ref RecordView.Prefix<ExecRecord>(record, size);
        var args = record[size..];
        args = args[..Math.Min(args.Length, (int)header.ArgsSize)];
        view = new ExecEventView(record, args, Runtime.ResolveContainer(header.CgroupId), Runtime.Texts);
        return true;
    }

    private ref struct ViewHandler<THandler>(ExecSnoop snoop, ref THandler handler) : IRingBufferHandler
        where THandler : IExecEventHandler
    {
        private readonly ref THandler _handler = ref handler;

        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public void OnRecord(int ring, ReadOnlySpan<byte> record)
        {
            Bytes += RecordHeader + ((record.Length + 7) & ~7);
            if (snoop.TryView(record, out var view))
            {
                Count++;
                _handler.OnEvent(in view);
            }
        }
    }
}
