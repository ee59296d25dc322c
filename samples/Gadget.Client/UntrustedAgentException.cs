using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>
/// The process listening on a <c>unix:PATH</c> agent's socket is neither root, this user, nor one that may load BPF
/// programs (<see cref="PeerTrust"/>): no agent, but a local user's, whose answers are not printed.
/// </summary>
internal sealed class UntrustedAgentException(PeerCredentials peer)
    : IOException($"it is served by user {peer.Uid} (pid {peer.Pid}), which is neither root nor this user (uid {PeerTrust.EffectiveUserId()}) and may not load BPF programs (no CAP_BPF): no agent")
{
}
