namespace Gadget.Containers;

/// <summary>
/// Where a <see cref="SelectionMembership"/> writes the cgroup ids and mount namespace ids of its containers: the two BPF
/// hash maps of a <see cref="ContainerSelection"/> (<see cref="BpfSelectionMaps"/>), or plain sets in unit tests.
/// </summary>
internal interface ISelectionMaps : IDisposable
{
    /// <summary>Puts (<paramref name="present"/>) or deletes the cgroup id <paramref name="cgroupId"/>.</summary>
    void SetCgroup(ulong cgroupId, bool present);

    /// <summary>Puts (<paramref name="present"/>) or deletes the mount namespace id <paramref name="mountNamespaceId"/>.</summary>
    void SetMountNamespace(ulong mountNamespaceId, bool present);

    /// <summary>Whether the cgroup id is there.</summary>
    bool ContainsCgroup(ulong cgroupId);
}
