using System.Net;
using System.Net.Sockets;
using BindRecord = Gadget.Gadgets.Bpf.Bindsnoop.BindEvent;

namespace Gadget.Gadgets;

/// <summary>
/// Traces <c>bind</c> (syscalls:sys_enter_bind/sys_exit_bind): the address and port asked for (IPv4, IPv6), the
/// socket's type and protocol, the port it holds afterwards, and the result (0 or -errno, e.g. EADDRINUSE).
/// </summary>
/// <example>
/// <code>
/// await using var binds = BindSnoop.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in binds.ReadAsync(ct)) Console.WriteLine($"{e.Comm} {e.Protocol} {e.Address}:{e.Port} -> {e.BoundPort} {e.Result}");
/// </code>
/// </example>
public sealed class BindSnoop : RingBufferGadget<BindEvent>
{
    private BindSnoop(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF programs; binds are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static BindSnoop Start(GadgetOptions options) => new(GadgetRuntime.Start("bindsnoop.bpf.o", options));

    private protected override BindEvent? Decode(ReadOnlySpan<byte> record) => Parse(record, Runtime);

    /// <summary>The event in one record of bpf/bindsnoop.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static BindEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null)
    {
        if (record.Length < BindRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<BindRecord>(record);
        IPAddress? address = r.Family switch
        {
            LinuxAddressFamily.Inet => new IPAddress(r.Addr[..4]),
            LinuxAddressFamily.Inet6 => new IPAddress(r.Addr[..16], r.ScopeId),
            _ => null,
        };
        return new BindEvent
        {
            Timestamp = BootClock.ToUtc(r.Timestamp),
            Pid = (int)r.Proc.Pid,
            Tid = (int)r.Proc.Tid,
            ParentPid = (int)r.Proc.Ppid,
            Uid = (int)r.Proc.Uid,
            Gid = (int)r.Proc.Gid,
            Comm = RecordText.Decode(r.Proc.Comm, runtime),
            ParentComm = RecordText.Decode(r.Proc.Pcomm, runtime),
            FileDescriptor = r.Fd,
            Family = r.Family,
            Address = address,
            Port = r.Port,
            BoundPort = r.BoundPort,
            SocketType = r.SocketType == 0 ? SocketType.Unknown : (SocketType)r.SocketType,
            Protocol = (ProtocolType)r.Protocol,
            ReturnValue = r.Retval,
            CgroupId = r.CgroupId,
            Container = runtime?.ResolveContainer(r.CgroupId),
        };
    }
}
