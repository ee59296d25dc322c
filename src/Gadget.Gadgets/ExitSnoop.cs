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
public sealed class ExitSnoop : RingBufferGadget<ExitEvent>
{
    private ExitSnoop(GadgetRuntime runtime)
        : base(runtime)
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

    private protected override ExitEvent? Decode(ReadOnlySpan<byte> record) => Parse(record, Runtime);

    /// <summary>The event in one record of bpf/exitsnoop.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static ExitEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null)
    {
        if (record.Length < ExitRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<ExitRecord>(record);
        return new ExitEvent
        {
            Timestamp = BootClock.ToUtc(r.Timestamp),
            Pid = (int)r.Proc.Pid,
            Tid = (int)r.Proc.Tid,
            ParentPid = (int)r.Proc.Ppid,
            Uid = (int)r.Proc.Uid,
            Gid = (int)r.Proc.Gid,
            Comm = RecordText.Decode(r.Proc.Comm, runtime),
            ParentComm = RecordText.Decode(r.Proc.Pcomm, runtime),
            ExitStatus = (int)r.ExitStatus,
            Lifetime = TimeSpan.FromTicks((long)(r.LifetimeNs / 100)),
            CgroupId = r.CgroupId,
            Container = runtime?.ResolveContainer(r.CgroupId),
        };
    }
}
