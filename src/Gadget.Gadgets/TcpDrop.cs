using Gadget.Bpf;
using TcpDropRecord = Gadget.Gadgets.Bpf.Tcpdrop.TcpdropEvent;

namespace Gadget.Gadgets;

/// <summary>
/// tcpdrop: TCP segments (IPv4 and IPv6) the kernel dropped, with the kernel's reason (NO_SOCKET, TCP_CSUM,
/// SOCKET_FILTER, NETFILTER_DROP...), at the <c>skb:kfree_skb</c> tracepoint, whose <c>reason</c> field Linux 5.17
/// added. Reasons are named from the running kernel's BTF (<c>enum skb_drop_reason</c>).
/// </summary>
/// <remarks>
/// Addresses, ports and flags come from the segment's own headers, so a segment that found no socket (a SYN to a closed
/// port: NO_SOCKET) is reported. The container is that of the socket the segment belonged to (its creator's cgroup,
/// filtered in the kernel), else the one whose network namespace it was dropped in; with a container selector, segments
/// that belonged to no socket of a selected container are not reported.
/// </remarks>
/// <example>
/// <code>
/// await using var drops = TcpDrop.Start(new GadgetOptions());
/// await foreach (var e in drops.ReadAsync(ct)) Console.WriteLine($"{e.SourceAddress}:{e.SourcePort} -> {e.DestinationAddress}:{e.DestinationPort} {e.ReasonName}");
/// </code>
/// </example>
public sealed class TcpDrop : RingBufferGadget<TcpDropEvent>
{
    private TcpDrop(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>
    /// The running kernel's drop reasons, named as <see cref="TcpDropEvent.ReasonName"/> names them (NO_SOCKET,
    /// TCP_CSUM...), in the kernel's order; empty when the kernel's BTF (/sys/kernel/btf/vmlinux) cannot be read. For
    /// checking a reason an operator gives before tracing: a name the kernel does not have would match no drop.
    /// </summary>
    public static IReadOnlyList<string> ReasonNames => SkbDropReasons.All;

    /// <summary>Loads and attaches the BPF program; drops are recorded from now on.</summary>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel's skb:kfree_skb tracepoint has no drop reason (before Linux 5.17).</exception>
    /// <exception cref="BpfException">Loading or attaching failed.</exception>
    public static TcpDrop Start(GadgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Only where tracefs can be read: without privileges it cannot, and loading says what is missing instead.
        var format = Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "skb", "kfree_skb", "format");
        if (HasNoDropReason(format))
        {
            throw new BpfFeatureNotSupportedException(
                "tracepoint skb:kfree_skb reason",
                $"tcpdrop reads the drop reason of the skb:kfree_skb tracepoint, which Linux 5.17 added; this kernel ({Environment.OSVersion.Version}) has none.");
        }
        _ = SkbDropReasons.Name(0); // reads the kernel's BTF now, not on the reader's first event
        return new(GadgetRuntime.Start("tcpdrop.bpf.o", options));
    }

    /// <summary>Whether the tracepoint's format file can be read and has no <c>reason</c> field.</summary>
    internal static bool HasNoDropReason(string formatFile)
    {
        string format;
        try
        {
            format = File.ReadAllText(formatFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return !format.Contains(" reason;", StringComparison.Ordinal);
    }

    private protected override TcpDropEvent? Decode(ReadOnlySpan<byte> record) => Parse(record, Runtime);

    /// <summary>The event in one record of bpf/tcpdrop.bpf.c, or null when it is too short; <paramref name="runtime"/> (if any) resolves its container.</summary>
    internal static TcpDropEvent? Parse(ReadOnlySpan<byte> record, GadgetRuntime? runtime = null)
    {
        if (record.Length < TcpDropRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<TcpDropRecord>(record);
        return new TcpDropEvent
        {
            Timestamp = BootClock.ToUtc(r.TimestampNs),
            CgroupId = r.CgroupId,
            Container = runtime?.ResolveContainer(r.CgroupId) ?? NetNamespaceContainers.Find(runtime?.Options.Containers, r.Netns),
            NetNamespaceId = r.Netns,
            SourceAddress = RecordAddress.Decode(r.Family, r.Saddr),
            SourcePort = r.Sport,
            DestinationAddress = RecordAddress.Decode(r.Family, r.Daddr),
            DestinationPort = r.Dport,
            Flags = (TcpFlags)r.Tcpflags,
            State = (TcpState)r.State,
            Reason = (int)r.Reason,
            ReasonName = SkbDropReasons.Name(r.Reason),
        };
    }
}
