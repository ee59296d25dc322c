using Gadget.Containers;

namespace Gadget.Agent;

/// <summary>The selector flags of the client (<c>--label k=v --namespace NS --podname P --containerindex N --name N --id PREFIX</c>) as JSON or query parameters.</summary>
public record SelectorRequest
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

    /// <summary>The query parameters <see cref="FromQuery"/> knows.</summary>
    public static readonly IReadOnlyList<string> QueryParameters = ["labels", "namespace", "podname", "containerindex", "name", "id"];

    /// <summary>The <see cref="ContainerSelector"/> these flags describe.</summary>
    /// <exception cref="BadHttpRequestException">A label is not <c>key=value</c> or the container index is negative (400).</exception>
    public ContainerSelector ToSelector()
    {
        IReadOnlyDictionary<string, string> labels;
        try
        {
            labels = string.IsNullOrEmpty(Labels) ? new Dictionary<string, string>() : ContainerSelector.ParseLabels(Labels);
        }
        catch (FormatException e)
        {
            throw new BadHttpRequestException("bad selector: " + e.Message, StatusCodes.Status400BadRequest, e);
        }
        if (ContainerIndex < 0)
        {
            throw new BadHttpRequestException($"bad selector: containerIndex {ContainerIndex} is negative", StatusCodes.Status400BadRequest);
        }
        return new ContainerSelector
        {
            Labels = labels,
            KubernetesNamespace = Namespace,
            PodName = PodName,
            ContainerIndex = ContainerIndex,
            Name = Name,
            IdPrefix = Id,
        };
    }

    /// <summary>Reads the flags from a query string.</summary>
    /// <exception cref="BadHttpRequestException">An unknown parameter or a container index that is not a number (400).</exception>
    public static SelectorRequest FromQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var key in query.Keys)
        {
            if (!QueryParameters.Contains(key))
            {
                throw new BadHttpRequestException($"bad selector: unknown query parameter '{key}' (known: {string.Join(", ", QueryParameters)})", StatusCodes.Status400BadRequest);
            }
        }
        int? index = null;
        if (query["containerindex"].FirstOrDefault() is { } text)
        {
            index = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new BadHttpRequestException($"bad selector: containerindex '{text}' is not a number", StatusCodes.Status400BadRequest);
        }
        return new SelectorRequest
        {
            Labels = query.TryGetValue("labels", out var l) ? string.Join(',', l.ToArray()) : null,
            Namespace = query["namespace"].FirstOrDefault(),
            PodName = query["podname"].FirstOrDefault(),
            ContainerIndex = index,
            Name = query["name"].FirstOrDefault(),
            Id = query["id"].FirstOrDefault(),
        };
    }
}
