using TcpRetransRecord = Gadget.Gadgets.Bpf.Tcpretrans.TcpretransEvent;

namespace Gadget.Gadgets;

/// <summary>
/// tcpretrans: every TCP retransmission (IPv4 and IPv6) of the selected containers' sockets (or of the host), with the
/// socket's addresses, ports and state and the segment's flags, at the <c>tcp:tcp_retransmit_skb</c> tracepoint.
/// </summary>
/// <remarks>
/// A retransmission runs from the socket's timer or a softirq, not in the process that owns the socket: the container
/// is the socket creator's cgroup (kept by the kernel in the socket), which the in-kernel filter checks; there is no
/// process in the event. The error a newer kernel's tracepoint adds (its <c>err</c> field) is not reported.
/// </remarks>
/// <example>
/// <code>
/// await using var retrans = TcpRetrans.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in retrans.ReadAsync(ct)) Console.WriteLine($"{e.Container?.Name} {e.SourceAddress}:{e.SourcePort} -> {e.DestinationAddress}:{e.DestinationPort} {e.State}");
/// </code>
/// </example>
public sealed class TcpRetrans : RingBufferGadget<TcpRetransEvent>
{
    private TcpRetrans(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF program; retransmissions are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static TcpRetrans Start(GadgetOptions options)
    {
        Gadget.Bpf.BpfEnvironment.EnsureTracefs(); // tracepoints attach through tracefs, not mounted on a fresh machine
        return new(GadgetRuntime.Start("tcpretrans.bpf.o", options));
    }

    private protected override TcpRetransEvent? Decode(ReadOnlySpan<byte> record) => Parse(record, Runtime);

    /// <summary>The event in one record of bpf/tcpretrans.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static TcpRetransEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null)
    {
        if (record.Length < TcpRetransRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<TcpRetransRecord>(record);
        return new TcpRetransEvent
        {
            Timestamp = BootClock.ToUtc(r.TimestampNs),
            CgroupId = r.CgroupId,
            Container = runtime?.ResolveContainer(r.CgroupId) ?? NetNamespaceContainers.Find(runtime?.Options.Containers, r.Netns),
            NetNamespaceId = r.Netns,
            SourceAddress = RecordAddress.Decode(r.Family, r.Saddr),
            SourcePort = r.Sport,
            DestinationAddress = RecordAddress.Decode(r.Family, r.Daddr),
            DestinationPort = r.Dport,
            State = (TcpState)r.State,
            Flags = (TcpFlags)r.Tcpflags,
        };
    }
}
