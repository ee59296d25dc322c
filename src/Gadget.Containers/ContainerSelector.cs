namespace Gadget.Containers;

/// <summary>
/// Which containers a tracer wants. Every criterion given must match; a selector with none (or <see cref="All"/>) matches every container.
/// </summary>
public sealed record ContainerSelector
{
    /// <summary>Matches every container.</summary>
    public static ContainerSelector All { get; } = new();

    /// <summary>The container's name (<see cref="Container.Name"/>), exactly.</summary>
    public string? Name { get; init; }

    /// <summary>A prefix of the container's id.</summary>
    public string? IdPrefix { get; init; }

    /// <summary>The runtime that made the container.</summary>
    public ContainerRuntime? Runtime { get; init; }

    /// <summary>The Kubernetes namespace of the container's pod.</summary>
    public string? KubernetesNamespace { get; init; }

    /// <summary>The name of the container's pod.</summary>
    public string? PodName { get; init; }

    /// <summary>The container's index in its pod (<see cref="KubernetesMetadata.ContainerIndex"/>).</summary>
    public int? ContainerIndex { get; init; }

    /// <summary>Labels that must all be present with these values (in <see cref="Container.Labels"/>, the pod's labels, or the annotations).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Parses a label selector of the form <c>k8s-app=myapp,tier=bar</c>.</summary>
    /// <exception cref="FormatException">A pair is not <c>key=value</c>.</exception>
    public static IReadOnlyDictionary<string, string> ParseLabels(string labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var result = new Dictionary<string, string>();
        foreach (var pair in labels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"Label selector '{labels}': '{pair}' is not key=value.");
            }
            result[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return result;
    }

    /// <summary>Whether <paramref name="container"/> matches every criterion of this selector.</summary>
    public bool Matches(Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (Name is not null && container.Name != Name && container.Kubernetes?.ContainerName != Name)
        {
            return false;
        }
        if (IdPrefix is not null && !container.Id.StartsWith(IdPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        if (Runtime is { } runtime && container.Runtime != runtime)
        {
            return false;
        }
        if (KubernetesNamespace is not null && container.Kubernetes?.Namespace != KubernetesNamespace)
        {
            return false;
        }
        if (PodName is not null && container.Kubernetes?.PodName != PodName)
        {
            return false;
        }
        if (ContainerIndex is { } index && (container.Kubernetes is null || container.Kubernetes.IsSandbox || container.Kubernetes.ContainerIndex != index))
        {
            return false;
        }
        foreach (var (key, value) in Labels)
        {
            if (!HasLabel(container, key, value))
            {
                return false;
            }
        }
        return true;
    }

    private static bool HasLabel(Container container, string key, string value) =>
        (container.Labels.TryGetValue(key, out var v) && v == value)
        || (container.Kubernetes is { } k && k.PodLabels.TryGetValue(key, out v) && v == value)
        || (container.Annotations.TryGetValue(key, out v) && v == value);

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (Name is not null) parts.Add($"name={Name}");
        if (IdPrefix is not null) parts.Add($"id={IdPrefix}*");
        if (Runtime is not null) parts.Add($"runtime={Runtime}");
        if (KubernetesNamespace is not null) parts.Add($"namespace={KubernetesNamespace}");
        if (PodName is not null) parts.Add($"pod={PodName}");
        if (ContainerIndex is not null) parts.Add($"index={ContainerIndex}");
        if (Labels.Count > 0) parts.Add("labels=" + string.Join(',', Labels.Select(l => $"{l.Key}={l.Value}")));
        return parts.Count == 0 ? "all" : string.Join(' ', parts);
    }
}
