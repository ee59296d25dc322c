namespace Gadget.Containers;

/// <summary>What the CRI runtime (containerd or CRI-O) wrote about a container's pod into its OCI annotations, and the pod's
/// labels from an <see cref="IPodMetadataSource"/> when the collection has one.</summary>
public sealed record KubernetesMetadata
{
    /// <summary>The pod's name.</summary>
    public required string PodName { get; init; }

    /// <summary>The pod's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The container's name in the pod spec; null for the pod's sandbox (pause) container.</summary>
    public string? ContainerName { get; init; }

    /// <summary>The pod's UID, when given.</summary>
    public string? PodUid { get; init; }

    /// <summary>Whether this is the pod's sandbox (pause) container.</summary>
    public bool IsSandbox { get; init; }

    /// <summary>The pod's labels: those the runtime wrote (CRI-O's <c>io.kubernetes.cri-o.Labels</c>), and those of the
    /// collection's <see cref="ContainerCollectionOptions.PodMetadataSource"/> (which win when both have a key); empty when
    /// neither knows any.</summary>
    public IReadOnlyDictionary<string, string> PodLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>The container's index among the pod's (non-sandbox) containers, in the order the collection saw them.</summary>
    public int ContainerIndex { get; init; }
}
