using Gadget.Containers;

namespace Gadget.CommandLine;

/// <summary>
/// Where an event comes from: the node, the pod and the container (the <c>k8s</c> and <c>runtime</c> objects of the
/// JSON, the CONTAINER, NAMESPACE and POD columns). Empty strings: none (a host process).
/// </summary>
public sealed record EventOrigin(string Node, string Namespace, string Pod, string KubernetesContainer, string Runtime, string ContainerId, string ContainerName)
{
    /// <summary>A host process of this node.</summary>
    public static EventOrigin Host { get; } = new(EventJson.Node, "", "", "", "", "", "");

    /// <summary>An event of <paramref name="container"/> on this node (null: a host process).</summary>
    public static EventOrigin Of(Container? container) => container is null
        ? Host
        : new(EventJson.Node, container.Kubernetes?.Namespace ?? "", container.Kubernetes?.PodName ?? "", container.Kubernetes?.ContainerName ?? "",
            EventJson.RuntimeName(container.Runtime), container.Id, container.Name);
}
