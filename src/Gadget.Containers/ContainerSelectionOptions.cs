namespace Gadget.Containers;

/// <summary>Where and how big the BPF maps of a <see cref="ContainerSelection"/> are.</summary>
public sealed record ContainerSelectionOptions
{
    /// <summary>Pin the cgroup id map here (on bpffs), e.g. <c>/sys/fs/bpf/mytracer/cgroups</c>; null: not pinned.</summary>
    public string? CgroupMapPinPath { get; init; }

    /// <summary>Pin the mount namespace id map here (on bpffs); null: not pinned.</summary>
    public string? MountNamespaceMapPinPath { get; init; }

    /// <summary>The most containers the maps can hold at once.</summary>
    public int MaxEntries { get; init; } = 1024;
}
