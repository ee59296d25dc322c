using ExitRecord = Gadget.Gadgets.Bpf.Exitsnoop.ExitEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces process exits (tp_btf sched:sched_process_exit): pid, parent, exit code or killing signal (and core dump) as
/// the parent's <c>wait</c> will see them, and the process's lifetime. One event per process by default (its thread group
/// leader's exit); <see cref="ExitSnoopOptions.Threads"/> reports every thread.
/// </summary>
/// <example>
/// <code>
/// await using var exits = ExitSnoop.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in exits.ReadAsync(ct)) Console.WriteLine($"{e.Comm} {e.Pid}: {e.SignalName ?? e.ExitCode.ToString()} after {e.Lifetime}");
/// </code>
/// </example>
public sealed class ExitSnoop : RingBufferViewGadget<ExitEvent, ExitEventView>
{
    private ExitSnoop(GadgetRuntime runtime)
        : base(runtime, ExitRecord.Size)
    {
    }

    /// <summary>Loads and attaches the BPF program; exits are recorded from now on.</summary>
    /// <param name="options">The containers to trace and how to report.</param>
    /// <param name="exitOptions">Whether threads are reported too (default: processes only).</param>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static ExitSnoop Start(GadgetOptions options, ExitSnoopOptions? exitOptions = null)
    {
        var threads = exitOptions?.Threads ?? false;
        return new(GadgetRuntime.Start("exitsnoop.bpf.o", options, spec =>
        {
            if (threads)
            {
                spec.SetGlobal("trace_threads", true);
            }
        }));
    }

    private protected override ExitEventView View(ReadOnlySpan<byte> record) => new(new GadgetRecord(record, Runtime));

    private protected override ExitEvent ToEvent(in ExitEventView view) => view.ToEvent();

    /// <summary>The event in one record of bpf/exitsnoop.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static ExitEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null) =>
        record.Length < ExitRecord.Size ? null : new ExitEventView(new GadgetRecord(record, runtime)).ToEvent();
}
