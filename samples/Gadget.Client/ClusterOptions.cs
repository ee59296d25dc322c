namespace Gadget.Client;

/// <summary>
/// Where the cluster's agents are and how to reach them through the Kubernetes API server: the kubeconfig (and its
/// context) with the user's credentials, the namespace and label selector of the agent DaemonSet's pods, the port of the
/// agents' TLS listener (<c>--urls https://0.0.0.0:PORT</c>), and the nodes to talk to.
/// </summary>
public sealed record ClusterOptions
{
    /// <summary>The namespace of deploy/daemonset.yaml.</summary>
    public const string DefaultNamespace = "gadget";

    /// <summary>The label of the DaemonSet's pods in deploy/daemonset.yaml.</summary>
    public const string DefaultLabelSelector = "app.kubernetes.io/name=gadget-agent";

    /// <summary>The agents' TLS port in deploy/daemonset.yaml.</summary>
    public const int DefaultPort = 8443;

    /// <summary>The kubeconfig file; null: <c>$KUBECONFIG</c> (a ':'-separated list, merged like kubectl does), else <c>~/.kube/config</c>.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The kubeconfig context; null: its <c>current-context</c>.</summary>
    public string? Context { get; init; }

    /// <summary>The namespace of the agent pods.</summary>
    public string Namespace { get; init; } = DefaultNamespace;

    /// <summary>The label selector of the agent pods (<c>key=value[,key=value]</c>).</summary>
    public string LabelSelector { get; init; } = DefaultLabelSelector;

    /// <summary>The port of each agent's TLS listener in its pod.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Only the agents of these nodes (<c>spec.nodeName</c>); empty: every node's.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    /// <summary>The agents' token (their <c>--token-file</c>), sent in <see cref="ClusterConnection.AgentTokenHeader"/>; null: none.</summary>
    public string? AgentToken { get; init; }
}
