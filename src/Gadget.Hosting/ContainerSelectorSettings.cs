using Gadget.Containers;

namespace Gadget.Hosting;

/// <summary>
/// A <see cref="ContainerSelector"/> as configuration gives it (<c>appsettings.json</c>, environment variables, command line):
/// every criterion given must match; none given matches every container.
/// </summary>
/// <example><c>"Selector": { "Name": "web", "Labels": { "app": "web" } }</c> or <c>Gadget__Traceloop__Selector__Name=web</c>.</example>
public sealed class ContainerSelectorSettings
{
    /// <summary>The container's name, exactly.</summary>
    public string? Name { get; set; }

    /// <summary>A prefix of the container's id.</summary>
    public string? IdPrefix { get; set; }

    /// <summary>The runtime that made the container.</summary>
    public ContainerRuntime? Runtime { get; set; }

    /// <summary>The Kubernetes namespace of the container's pod.</summary>
    public string? Namespace { get; set; }

    /// <summary>The name of the container's pod.</summary>
    public string? PodName { get; set; }

    /// <summary>The container's index in its pod.</summary>
    public int? ContainerIndex { get; set; }

    /// <summary>Labels that must all be present with these values.</summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The selector these settings describe.</summary>
    public ContainerSelector ToSelector() => new()
    {
        Name = Empty(Name),
        IdPrefix = Empty(IdPrefix),
        Runtime = Runtime,
        KubernetesNamespace = Empty(Namespace),
        PodName = Empty(PodName),
        ContainerIndex = ContainerIndex,
        Labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal),
    };

    /// <summary>What is wrong with these settings (one message each), or nothing.</summary>
    internal IEnumerable<string> Validate(string path)
    {
        if (ContainerIndex is < 0)
        {
            yield return $"{path}:ContainerIndex is {ContainerIndex}: an index in a pod is 0 or more.";
        }
        foreach (var (key, value) in Labels)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Contains('=', StringComparison.Ordinal) || key.Contains(',', StringComparison.Ordinal))
            {
                yield return $"{path}:Labels has the key '{key}': a label key is not empty and holds no '=' or ','.";
            }
            if (value is null)
            {
                yield return $"{path}:Labels:{key} has no value.";
            }
        }
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
