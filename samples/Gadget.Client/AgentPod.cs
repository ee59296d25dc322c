namespace Gadget.Client;

/// <summary>One running agent pod of the DaemonSet: its namespace, name and node (<c>spec.nodeName</c>).</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="Node">The node it runs on.</param>
public sealed record AgentPod(string Namespace, string Name, string Node);
