using Gadget.Containers;

namespace Gadget.Agent;

/// <summary>The selector flags of the client (<c>--label k=v --namespace NS --podname P --containerindex N --name N --id PREFIX</c>) as JSON or query parameters.</summary>
public sealed record SelectorRequest
{
    /// <summary>Labels as <c>k=v,k2=v2</c>.</summary>
    public string? Labels { get; init; }

    /// <summary>Kubernetes namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Pod name.</summary>
    public string? PodName { get; init; }

    /// <summary>Container index in the pod.</summary>
    public int? ContainerIndex { get; init; }

    /// <summary>Container name.</summary>
    public string? Name { get; init; }

    /// <summary>Container id prefix.</summary>
    public string? Id { get; init; }

    /// <summary>The <see cref="ContainerSelector"/> these flags describe.</summary>
    public ContainerSelector ToSelector() => new()
    {
        Labels = string.IsNullOrEmpty(Labels) ? new Dictionary<string, string>() : ContainerSelector.ParseLabels(Labels),
        KubernetesNamespace = Namespace,
        PodName = PodName,
        ContainerIndex = ContainerIndex,
        Name = Name,
        IdPrefix = Id,
    };

    /// <summary>Reads the flags from a query string.</summary>
    public static SelectorRequest FromQuery(IQueryCollection query) => new()
    {
        Labels = query.TryGetValue("labels", out var l) ? string.Join(',', l.ToArray()) : null,
        Namespace = query["namespace"].FirstOrDefault(),
        PodName = query["podname"].FirstOrDefault(),
        ContainerIndex = int.TryParse(query["containerindex"].FirstOrDefault(), out var index) ? index : null,
        Name = query["name"].FirstOrDefault(),
        Id = query["id"].FirstOrDefault(),
    };
}
