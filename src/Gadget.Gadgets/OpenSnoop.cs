using OpenRecord = Gadget.Gadgets.Bpf.Opensnoop.OpenEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces every <c>open</c>/<c>openat</c>/<c>openat2</c> (tracepoints syscalls:sys_enter_* for the arguments,
/// sys_exit_* for the result) of the selected containers, or of the host: path, flags, fd or errno, container.
/// </summary>
/// <example>
/// <code>
/// await using var snoop = OpenSnoop.Start(new GadgetOptions());
/// await foreach (var e in snoop.ReadAsync(ct)) Console.WriteLine($"{e.Pid} {e.Comm} {e.FileDescriptor} {e.Error} {e.Path}");
/// </code>
/// </example>
public sealed class OpenSnoop : RingBufferGadget<OpenEvent>
{
    /// <summary>The size of the kernel's path buffer: paths are cut to one byte less.</summary>
    public const int PathBufferSize = 256;

    private OpenSnoop(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF programs; events are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static OpenSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("opensnoop.bpf.o", options));

    private protected override OpenEvent? Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < OpenRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<OpenRecord>(record);
        return new OpenEvent
        {
            Timestamp = BootClock.ToUtc(r.Timestamp),
            Pid = (int)r.Proc.Pid,
            Tid = (int)r.Proc.Tid,
            ParentPid = (int)r.Proc.Ppid,
            Uid = (int)r.Proc.Uid,
            Gid = (int)r.Proc.Gid,
            Comm = Runtime.Texts.Decode(r.Proc.Comm),
            ParentComm = Runtime.Texts.Decode(r.Proc.Pcomm),
            ReturnValue = r.Retval,
            Flags = r.Flags,
            Mode = (int)r.Mode,
            Path = Runtime.Texts.Decode(r.Path),
            CgroupId = r.CgroupId,
            Container = Runtime.ResolveContainer(r.CgroupId),
        };
    }
}
