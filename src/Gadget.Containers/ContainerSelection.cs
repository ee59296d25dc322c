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
    private readonly ContainerCollection _owner;
    private readonly BpfMap<ulong, byte> _cgroups;
    private readonly BpfMap<ulong, byte> _mountNamespaces;
    private readonly Dictionary<ulong, int> _mountNamespaceUsers = [];
    private readonly Dictionary<string, Container> _containers = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    internal ContainerSelection(ContainerCollection owner, ContainerSelector selector, ContainerSelectionOptions options)
    {
        _owner = owner;
        Selector = selector;
        CgroupIds = BpfMap.Create(BpfMapType.Hash, sizeof(ulong), sizeof(byte), options.MaxEntries, "sel_cgroups");
        try
        {
            MountNamespaceIds = BpfMap.Create(BpfMapType.Hash, sizeof(ulong), sizeof(byte), options.MaxEntries, "sel_mntns");
        }
        catch
        {
            CgroupIds.Dispose();
            throw;
        }
        _cgroups = CgroupIds.As<ulong, byte>();
        _mountNamespaces = MountNamespaceIds.As<ulong, byte>();
        try
        {
            if (options.CgroupMapPinPath is not null)
            {
                CgroupIds.Pin(options.CgroupMapPinPath);
            }
            if (options.MountNamespaceMapPinPath is not null)
            {
                MountNamespaceIds.Pin(options.MountNamespaceMapPinPath);
            }
        }
        catch
        {
            DisposeMaps();
            throw;
        }
    }

    /// <summary>Which containers this selection holds.</summary>
    public ContainerSelector Selector { get; }

    /// <summary>BPF hash map, key u64 cgroup id, value u8 (1): the cgroups of the selected containers.</summary>
    public BpfMap CgroupIds { get; }

    /// <summary>BPF hash map, key u64 mount namespace inode, value u8 (1): the mount namespaces of the selected containers.</summary>
    public BpfMap MountNamespaceIds { get; }

    /// <summary>The selected containers now.</summary>
    public IReadOnlyList<Container> Containers
    {
        get
        {
            lock (_lock)
            {
                return [.. _containers.Values];
            }
        }
    }

    /// <summary>Whether the selection holds the container with this cgroup id.</summary>
    public bool ContainsCgroup(ulong cgroupId) => !_disposed && _cgroups.TryLookup(cgroupId, out _);

    /// <summary>Removes the maps (unpinning them) and stops following containers.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _owner.Unregister(this);
        DisposeMaps();
    }

    internal void OnAdded(Container container)
    {
        if (!Selector.Matches(container))
        {
            return;
        }
        lock (_lock)
        {
            if (_disposed || !_containers.TryAdd(container.Id, container))
            {
                return;
            }
            _cgroups.Update(container.CgroupId, 1);
            _mountNamespaceUsers[container.MountNamespaceId] = _mountNamespaceUsers.GetValueOrDefault(container.MountNamespaceId) + 1;
            _mountNamespaces.Update(container.MountNamespaceId, 1);
        }
    }

    /// <summary>The container's labels changed: it joins the maps when it matches now, and leaves them when it no longer does.</summary>
    internal void OnUpdated(Container container)
    {
        if (Selector.Matches(container))
        {
            OnAdded(container);
        }
        else
        {
            OnRemoved(container);
        }
    }

    internal void OnRemoved(Container container)
    {
        lock (_lock)
        {
            if (_disposed || !_containers.Remove(container.Id))
            {
                return;
            }
            _cgroups.Delete(container.CgroupId);
            var users = _mountNamespaceUsers.GetValueOrDefault(container.MountNamespaceId) - 1;
            if (users <= 0)
            {
                _mountNamespaceUsers.Remove(container.MountNamespaceId);
                _mountNamespaces.Delete(container.MountNamespaceId);
            }
            else
            {
                _mountNamespaceUsers[container.MountNamespaceId] = users;
            }
        }
    }

    private void DisposeMaps()
    {
        foreach (var map in (BpfMap[])[CgroupIds, MountNamespaceIds])
        {
            if (map is null)
            {
                continue;
            }
            if (map.PinnedPath is not null)
            {
                try
                {
                    map.Unpin();
                }
                catch (IOException)
                {
                }
            }
            map.Dispose();
        }
    }
}
