namespace Gadget.Containers;

/// <summary>What an <see cref="IPodMetadataSource"/> knows about a pod.</summary>
public sealed record PodMetadata
{
    /// <summary>The pod's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The pod's name.</summary>
    public required string Name { get; init; }

    /// <summary>The pod's UID, when known.</summary>
    public string? Uid { get; init; }

    /// <summary>The pod's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The pod's annotations.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
