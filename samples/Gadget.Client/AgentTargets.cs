namespace Gadget.Client;

/// <summary>The agents of one command (one for <c>--agent</c>, one per node through the cluster) and what they hold.</summary>
/// <param name="targets">The agents, ordered by node.</param>
/// <param name="unreachable">The one-line reason for a request that got no answer (naming the agent or the API server).</param>
/// <param name="owner">What the clients share (the cluster connection), disposed with them.</param>
internal sealed class AgentTargets(IReadOnlyList<AgentTarget> targets, Func<HttpRequestException, string> unreachable, IDisposable? owner = null) : IDisposable
{
    /// <summary>The agents, ordered by node.</summary>
    public IReadOnlyList<AgentTarget> All => targets;

    /// <summary>Whether the command fans out to a cluster's nodes (node names in the output, per-node failures).</summary>
    public bool IsCluster => targets.Count > 0 && targets[0].Node is not null;

    /// <summary>The one-line reason for a request that got no answer.</summary>
    public string Unreachable(HttpRequestException exception) => unreachable(exception);

    public void Dispose()
    {
        foreach (var target in targets)
        {
            target.Http.Dispose();
        }
        owner?.Dispose();
    }
}
