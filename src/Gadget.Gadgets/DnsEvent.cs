using System.Net;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// A DNS message (UDP, port 53) seen on an interface of a traced network namespace, reported by <see cref="DnsSnoop"/>.
/// There is no process: a packet is seen in the network stack, not in the process that sent it or will read it.
/// </summary>
public sealed record DnsEvent
{
    /// <summary>When the packet was seen (wall clock, from the kernel's boot-time clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The container whose network namespace the packet was seen in; null for the host's (or an unknown one).</summary>
    public Container? Container { get; init; }

    /// <summary>Inode number of the network namespace the packet was seen in (as in <c>/proc/PID/ns/net</c>).</summary>
    public required ulong NetNamespaceId { get; init; }

    /// <summary>The index of the interface (in that namespace) the packet was seen on.</summary>
    public required int InterfaceIndex { get; init; }

    /// <summary>A query or a response (the QR bit).</summary>
    public required DnsDirection Direction { get; init; }

    /// <summary>The message id: a response carries its query's.</summary>
    public required int Id { get; init; }

    /// <summary>OPCODE: 0 a standard query.</summary>
    public required int OpCode { get; init; }

    /// <summary>The (first) question's name, dotted without the final dot; "" when the message has no question or is malformed before it.</summary>
    public required string Name { get; init; }

    /// <summary>The question's type: 1 A, 28 AAAA, 5 CNAME... (0: no question).</summary>
    public required int QueryType { get; init; }

    /// <summary>The question's type as dig names it (A, AAAA, TYPE65...).</summary>
    public string QueryTypeName => DnsNames.QueryType(QueryType);

    /// <summary>RCODE: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN... (of a response; 0 in a query).</summary>
    public required int ResponseCode { get; init; }

    /// <summary>The response code as dig names it (NOERROR, NXDOMAIN...).</summary>
    public string ResponseCodeName => DnsNames.ResponseCode(ResponseCode);

    /// <summary>The number of answer records the message says it has (ANCOUNT).</summary>
    public required int AnswerCount { get; init; }

    /// <summary>The addresses of its A and AAAA answer records, in order (at most 32; empty for a query).</summary>
    public required IReadOnlyList<IPAddress> Addresses { get; init; }

    /// <summary>
    /// For a response: its time minus its query's (same id, same namespace), when the query was seen (the gadget keeps the
    /// last 1024 unanswered queries); null otherwise.
    /// </summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>The packet's source address.</summary>
    public required IPAddress SourceAddress { get; init; }

    /// <summary>The packet's source port.</summary>
    public required int SourcePort { get; init; }

    /// <summary>The packet's destination address.</summary>
    public required IPAddress DestinationAddress { get; init; }

    /// <summary>The packet's destination port.</summary>
    public required int DestinationPort { get; init; }

    /// <summary>The DNS message's length in bytes (only its first 512 are read).</summary>
    public required int Length { get; init; }

    /// <summary>Why the message could not be read to its end (e.g. "malformed: answer 1: truncated before its data"); null when it could.</summary>
    public string? Error { get; init; }

    /// <summary>4 or 6.</summary>
    public int IPVersion => DestinationAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;
}
