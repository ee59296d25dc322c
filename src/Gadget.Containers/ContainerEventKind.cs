namespace Gadget.Containers;

/// <summary>What happened to a container.</summary>
public enum ContainerEventKind
{
    /// <summary>The container was seen for the first time (it was running when the collection started, or it just started).</summary>
    Added,

    /// <summary>The container's init process ended (or its cgroup was removed).</summary>
    Removed,

    /// <summary>The container's labels changed (its pod's labels, from <see cref="ContainerCollectionOptions.PodMetadataSource"/>);
    /// the selections were re-evaluated.</summary>
    Updated,
}
