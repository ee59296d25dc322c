using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// An <see cref="IPodMetadataSource"/> as a source of container labels: merges the source's labels of a container's pod
/// into the container when it is added (<see cref="Apply"/>, a local lookup), and, when the source reports that a pod
/// appeared or changed, updates that pod's containers in the registry (which re-evaluates every selection and announces
/// them as updated). A deleted pod leaves its containers' labels as they were: they are ending, and tracers keep them
/// until they are gone. Disposing unsubscribes from the source (which it does not dispose).
/// </summary>
internal sealed class PodMetadataMerger : IDisposable
{
    private readonly IPodMetadataSource _source;
    private readonly ContainerRegistry _registry;
    private readonly ILogger _logger;
    private int _disposed;

    internal PodMetadataMerger(IPodMetadataSource source, ContainerRegistry registry, ILogger logger)
    {
        _source = source;
        _registry = registry;
        _logger = logger;
        _source.PodChanged += OnPodChanged;
    }

    /// <summary>Merges the source's labels of <paramref name="container"/>'s pod (if it is in one) into it.</summary>
    internal void Apply(Container container)
    {
        if (container.Kubernetes is { } pod)
        {
            container.ApplyPodLabels(_source.TryGetPod(pod.Namespace, pod.PodName, pod.PodUid, out var metadata) ? metadata.Labels : null);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _source.PodChanged -= OnPodChanged;
        }
    }

    /// <summary>Whether <paramref name="container"/> belongs to <paramref name="pod"/> (same namespace and name, and the same
    /// UID when both know it: a pod of the same name with another UID is an older or newer pod).</summary>
    internal static bool BelongsTo(Container container, PodMetadata pod) =>
        container.Kubernetes is { } k && k.Namespace == pod.Namespace && k.PodName == pod.Name
        && (k.PodUid is null || pod.Uid is null || k.PodUid == pod.Uid);

    private void OnPodChanged(object? sender, PodMetadataChangedEventArgs e)
    {
        if (e.Pod is not { } pod || _disposed != 0)
        {
            return;
        }
        var changed = _registry.Update(c => BelongsTo(c, pod) && c.ApplyPodLabels(pod.Labels), $"labels of pod {pod.Namespace}/{pod.Name}");
        if (changed > 0)
        {
            _logger.LogDebug("Pod {Namespace}/{Pod} changed the labels of {Count} container(s)", pod.Namespace, pod.Name, changed);
        }
    }
}
