namespace Gadget.Containers;

/// <summary>A pod that an <see cref="IPodMetadataSource"/> saw appear, change or go.</summary>
public sealed class PodMetadataChangedEventArgs : EventArgs
{
    /// <summary>A pod that appeared or changed (<paramref name="pod"/> is its new state).</summary>
    public PodMetadataChangedEventArgs(PodMetadata pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        Namespace = pod.Namespace;
        Name = pod.Name;
        Uid = pod.Uid;
        Pod = pod;
    }

    /// <summary>A pod that was deleted.</summary>
    public PodMetadataChangedEventArgs(string @namespace, string name, string? uid)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        Namespace = @namespace;
        Name = name;
        Uid = uid;
    }

    /// <summary>The pod's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The pod's name.</summary>
    public string Name { get; }

    /// <summary>The pod's UID, when known.</summary>
    public string? Uid { get; }

    /// <summary>The pod's new state; null when it was deleted.</summary>
    public PodMetadata? Pod { get; }
}
