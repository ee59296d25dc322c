using System.Diagnostics.CodeAnalysis;

namespace Gadget.Containers;

/// <summary>
/// Pod metadata that the CRI annotations of a container do not carry (for containerd pods: the pod's labels), from
/// somewhere else, typically the Kubernetes API server (the Gadget.Containers.Kubernetes package). A
/// <see cref="ContainerCollection"/> given one through <see cref="ContainerCollectionOptions.PodMetadataSource"/> merges the
/// pod's labels into <see cref="KubernetesMetadata.PodLabels"/> and <see cref="Container.Labels"/>, and re-evaluates its
/// selections when <see cref="PodChanged"/> is raised.
/// </summary>
/// <remarks>
/// <see cref="TryGetPod"/> is called while a new container is held by the kernel before its first instruction: it must be a
/// local lookup (a dictionary), never a network call. When <see cref="PodChanged"/> is raised, <see cref="TryGetPod"/> must
/// already answer with the new state.
/// </remarks>
public interface IPodMetadataSource
{
    /// <summary>Raised when a pod appears, its labels or annotations change, or it is deleted.</summary>
    event EventHandler<PodMetadataChangedEventArgs>? PodChanged;

    /// <summary>What is known now about the pod <paramref name="name"/> of <paramref name="namespace"/>; a local lookup.</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="name">The pod's name.</param>
    /// <param name="uid">The pod's UID when the caller knows it: a pod of the same name with another UID (an older or newer
    /// pod) does not match.</param>
    /// <param name="pod">The pod's metadata, when known.</param>
    /// <returns>Whether the pod is known.</returns>
    bool TryGetPod(string @namespace, string name, string? uid, [NotNullWhen(true)] out PodMetadata? pod);
}
