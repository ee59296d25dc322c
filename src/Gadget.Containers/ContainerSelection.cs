using Gadget.Bpf;

namespace Gadget.Containers;

/// <summary>
/// A tracer's registration with a <see cref="ContainerCollection"/>: two BPF hash maps (cgroup id → 1 and mount namespace id → 1)
/// that the collection keeps equal to the set of running containers matching <see cref="Selector"/>, updated before
/// <see cref="ContainerCollection.ContainerAdded"/> is raised (and before <see cref="ContainerCollection.ContainerUpdated"/>
/// when a container's pod labels change). A BPF program filters with
/// <c>bpf_map_lookup_elem(&amp;cgroups, &amp;(u64){bpf_get_current_cgroup_id()})</c>. Dispose to remove (and unpin) the maps.
/// </summary>
public sealed class ContainerSelection : IDisposable
{
    private readonly ContainerRegistry _registry;
    private readonly BpfSelectionMaps _maps;
    private readonly SelectionMembership _membership;

    internal ContainerSelection(ContainerRegistry registry, ContainerSelector selector, ContainerSelectionOptions options)
    {
        _registry = registry;
        _maps = new BpfSelectionMaps(options);
        _membership = new SelectionMembership(selector, _maps);
        try
        {
            registry.Subscribe(_membership);
        }
        catch
        {
            _membership.Close();
            throw;
        }
    }

    /// <summary>Which containers this selection holds.</summary>
    public ContainerSelector Selector => _membership.Selector;

    /// <summary>BPF hash map, key u64 cgroup id, value u8 (1): the cgroups of the selected containers.</summary>
    public BpfMap CgroupIds => _maps.CgroupIds;

    /// <summary>BPF hash map, key u64 mount namespace inode, value u8 (1): the mount namespaces of the selected containers.</summary>
    public BpfMap MountNamespaceIds => _maps.MountNamespaceIds;

    /// <summary>The selected containers now.</summary>
    public IReadOnlyList<Container> Containers => _membership.Containers;

    /// <summary>Whether the selection holds the container with this cgroup id.</summary>
    public bool ContainsCgroup(ulong cgroupId) => _membership.ContainsCgroup(cgroupId);

    /// <summary>Removes the maps (unpinning them) and stops following containers.</summary>
    public void Dispose()
    {
        _registry.Unsubscribe(_membership);
        _membership.Close();
    }
}
