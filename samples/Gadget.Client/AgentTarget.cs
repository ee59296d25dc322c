namespace Gadget.Client;

/// <summary>One agent a command talks to: its HTTP client and, through the cluster, its node (null for <c>--agent</c>).</summary>
internal sealed record AgentTarget(string? Node, HttpClient Http);
