using System.Net;
using Gadget.CommandLine;

namespace Gadget.Agent;

/// <summary>
/// Who sent a request, set on each connection by <see cref="ConnectionGate"/>: a Unix socket peer (uid, pid from
/// SO_PEERCRED) or a TCP client (remote address). <see cref="Key"/> is what per-caller limits count by.
/// </summary>
public sealed record Caller
{
    /// <summary>The peer credentials (Unix socket), or null (TCP).</summary>
    public PeerCredentials? Peer { get; init; }

    /// <summary>The remote end (TCP), or null (Unix socket).</summary>
    public IPEndPoint? Remote { get; init; }

    /// <summary>Per-caller limits count by this: <c>uid:N</c> or <c>tcp:ADDRESS</c>.</summary>
    public string Key => Peer is { } p ? $"uid:{p.Uid}" : $"tcp:{Remote?.Address}";

    /// <summary>Whether the caller came over TCP (and must authenticate with a token or certificate).</summary>
    public bool IsTcp => Peer is null;

    /// <inheritdoc/>
    public override string ToString() => Peer is { } p ? $"uid {p.Uid} pid {p.Pid}" : $"tcp {Remote}";
}
