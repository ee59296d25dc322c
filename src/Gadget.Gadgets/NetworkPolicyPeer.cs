namespace Gadget.Gadgets;

/// <summary>
/// One side of a connection in a <see cref="NetworkPolicyAdvice"/>: either a known workload (selected by its pod labels
/// in its namespace) or an address block (<c>ipBlock</c>, a single /32 or /128 address).
/// </summary>
public sealed record NetworkPolicyPeer
{
    /// <summary>The peer workload's namespace (null for an address block).</summary>
    public string? Namespace { get; init; }

    /// <summary>The peer workload's pod labels (null for an address block).</summary>
    public IReadOnlyDictionary<string, string>? PodLabels { get; init; }

    /// <summary>The peer's address block, e.g. <c>10.0.0.7/32</c> (null for a workload).</summary>
    public string? Cidr { get; init; }

    /// <summary>The TCP ports the rule allows, ascending (the destination port: the peer's for egress, ours for ingress).</summary>
    public required IReadOnlyList<int> Ports { get; init; }
}
