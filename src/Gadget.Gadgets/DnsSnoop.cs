using Gadget.Bpf;
using Gadget.Containers;
using Microsoft.Extensions.Logging;
using DnsRecord = Gadget.Gadgets.Bpf.Dns.DnsEvent;

namespace Gadget.Gadgets;

/// <summary>
/// trace dns: the DNS queries and responses (UDP port 53, IPv4 and IPv6) in the selected containers' network namespaces
/// (or the host's), as Inspektor Gadget's trace dns sees them: a BPF socket filter on an AF_PACKET socket opened in each
/// namespace sees every packet on every interface there; it copies the DNS message (its first 512 bytes) to user space,
/// which decodes the header, the question and the A/AAAA answers, and pairs each response with its query (latency).
/// </summary>
/// <remarks>
/// <para>
/// The event has the container (by the namespace the packet was seen in), not the process: a packet is seen in the
/// network stack, not in the process that sent it or will read it (Inspektor Gadget has the same limit without its
/// socket enricher). Containers of one pod share a namespace: their packets are reported once, with the first container.
/// </para>
/// <para>
/// The namespaces watched: with a <see cref="GadgetOptions.Selector"/>, those of the selected containers, following the
/// collection (a container that starts is watched from the moment the collection reports it; a namespace is closed when
/// its last container goes); without one, the host's (this process's) and, with a <see cref="GadgetOptions.Containers"/>
/// collection, every container's. A container in the host's namespace (host network) is only seen as the host.
/// Not parsed: DNS over TCP, IPv6 extension headers, IP fragments after the first, a message in the packet's paged part.
/// Needs Linux 5.8 (ring buffer; socket filters and SO_ATTACH_BPF are older) and CAP_NET_RAW + CAP_SYS_ADMIN (setns).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using var dns = DnsSnoop.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// await foreach (var e in dns.ReadAsync(ct)) Console.WriteLine($"{e.Container?.Name} {e.Direction} {e.Name} {e.QueryTypeName} {e.ResponseCodeName} {string.Join(",", e.Addresses)} {e.Latency}");
/// </code>
/// </example>
public sealed class DnsSnoop : RingBufferGadget<DnsEvent>
{
    private const string Name = "dns";
    private const int DefaultRingBufferSize = 1 << 20;
    private readonly DnsNamespaces _namespaces;
    private readonly DnsLatencyTable _latency = new();

    private DnsSnoop(GadgetRuntime runtime, DnsNamespaces namespaces)
        : base(runtime)
    {
        _namespaces = namespaces;
    }

    /// <summary>The inode numbers of the network namespaces watched now (for tests and diagnostics).</summary>
    internal IReadOnlyCollection<ulong> WatchedNamespaces => _namespaces.Watched;

    /// <summary>What <c>/proc/self/fd/N</c> of a watched namespace's packet socket links to (<c>socket:[inode]</c>), null when not watched.</summary>
    internal string? SocketLink(ulong netns) => _namespaces.SocketLink(netns);

    /// <summary>Opens a filtered packet socket in each namespace to watch; DNS messages are recorded from now on.</summary>
    /// <remarks>One reader at a time: the query/response pairing is kept by the enumeration of <see cref="RingBufferGadget{TEvent}.ReadAsync"/>.</remarks>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="BpfException">Loading the filter or opening the host's socket failed (a container's failure is logged, not thrown).</exception>
    public static DnsSnoop Start(GadgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Selector is not null && options.Containers is null)
        {
            throw new ArgumentException("A container selector needs GadgetOptions.Containers (the collection that resolves it).", nameof(options));
        }
        GadgetRuntime.ValidateRingBufferSize(options.RingBufferSize);
        var selection = options.Selector is { } selector ? options.Containers!.Select(selector) : null;
        BpfMap? events = null;
        BpfMap? lost = null;
        DnsNamespaces? namespaces = null;
        GadgetRuntime? runtime = null;
        try
        {
            events = BpfMap.Create(BpfMapType.RingBuffer, 0, 0, options.RingBufferSize != 0 ? options.RingBufferSize : DefaultRingBufferSize, "events");
            lost = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 1, "lost");
            namespaces = new DnsNamespaces(events, lost, options, selection);
            runtime = GadgetRuntime.FromMaps(Name, options, selection, events, lost, namespaces);
            namespaces.Start();
            options.Logger?.LogDebug("dns: watching {Count} network namespaces, selector {Selector}", namespaces.Watched.Count, (object?)options.Selector ?? "host");
            return new DnsSnoop(runtime, namespaces);
        }
        catch
        {
            if (runtime is not null)
            {
                runtime.Dispose(); // the namespaces, the reader, the maps, the selection
            }
            else
            {
                namespaces?.Dispose();
                lost?.Dispose();
                events?.Dispose();
                selection?.Dispose();
            }
            throw;
        }
    }

    private protected override DnsEvent? Decode(ReadOnlySpan<byte> record) => Parse(record, _namespaces.Owner, _latency);

    /// <summary>
    /// The event in one record of bpf/dns.bpf.c, or null when the record is too short; <paramref name="owner"/> (if any)
    /// gives a namespace's container, <paramref name="latency"/> (if any) keeps queries and pairs responses with them.
    /// </summary>
    internal static DnsEvent? Parse(ReadOnlySpan<byte> record, Func<ulong, Container?>? owner = null, DnsLatencyTable? latency = null)
    {
        if (record.Length < DnsRecord.Size)
        {
            return null;
        }
        ref var r = ref RecordView.Of<DnsRecord>(record);
        var captured = Math.Min((int)r.Captured, DnsPayloadLength);
        var message = DnsMessage.Parse(record.Slice(DnsPayloadOffset, captured));
        var error = message.Error;
        if (captured < r.DnsLength && message.IsMalformed)
        {
            error += $" (only the first {captured} of its {r.DnsLength} bytes are read)";
        }
        TimeSpan? elapsed = null;
        if (latency is not null && !message.IsResponse)
        {
            latency.Query(r.Netns, message.Id, r.TimestampNs);
        }
        else if (latency is not null)
        {
            elapsed = latency.Response(r.Netns, message.Id, r.TimestampNs);
        }
        return new DnsEvent
        {
            Timestamp = BootClock.ToUtc(r.TimestampNs),
            Container = owner?.Invoke(r.Netns),
            NetNamespaceId = r.Netns,
            InterfaceIndex = (int)r.Ifindex,
            Direction = message.IsResponse ? DnsDirection.Response : DnsDirection.Query,
            Id = message.Id,
            OpCode = message.OpCode,
            Name = message.Name,
            QueryType = message.QueryType,
            ResponseCode = message.ResponseCode,
            AnswerCount = message.AnswerCount,
            Addresses = message.Addresses,
            SourceAddress = RecordAddress.Decode(r.Family, r.Saddr),
            SourcePort = r.Sport,
            DestinationAddress = RecordAddress.Decode(r.Family, r.Daddr),
            DestinationPort = r.Dport,
            Latency = elapsed,
            Length = r.DnsLength,
            Error = error,
        };
    }

    /// <summary>Where dns[] starts in the record, and its length: the record's tail.</summary>
    private const int DnsPayloadLength = 512;

    private static int DnsPayloadOffset => DnsRecord.Size - DnsPayloadLength;
}
