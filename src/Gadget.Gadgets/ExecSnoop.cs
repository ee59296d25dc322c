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
public sealed class ExecSnoop : RingBufferViewGadget<ExecEvent, ExecEventView>
{
    /// <summary>How many arguments an event carries at most.</summary>
    public const int MaxArguments = 20;

    /// <summary>How many bytes of one argument an event carries at most.</summary>
    public const int MaxArgumentLength = 127;

    private ExecSnoop(GadgetRuntime runtime)
        : base(runtime, ExecRecord.Offsets.Args)
    {
    }

    /// <summary>Loads and attaches the BPF programs; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static ExecSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("execsnoop.bpf.o", options));

    private protected override ExecEvent ToEvent(in ExecEventView view) => view.ToEvent();

    // The record is exec_event's fixed part and args_size bytes of arguments, not the whole struct (generated from the
    // object's BTF, with args[] at its full size): the fixed part is read in place, args[] through the record's bytes.
    private protected override ExecEventView View(ReadOnlySpan<byte> record)
    {
        ref var header = ref RecordView.Prefix<ExecRecord>(record, ExecRecord.Offsets.Args);
        var args = record[ExecRecord.Offsets.Args..];
        args = args[..Math.Min(args.Length, (int)header.ArgsSize)];
        return new ExecEventView(record, args, Runtime.ResolveContainer(header.CgroupId), Runtime.Texts);
    }
}
