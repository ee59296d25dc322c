namespace Gadget.Containers;

/// <summary>
/// Which containers of a <see cref="ContainerRegistry"/> a selection holds, and the maps that mirror them: a container
/// matching <see cref="Selector"/> puts its cgroup id and mount namespace id in the maps when it is added (or when an update
/// makes it match), and takes them out when it is removed (or stops matching). A mount namespace shared by several
/// selected containers stays until the last of them leaves. Plain objects: the maps are behind <see cref="ISelectionMaps"/>.
/// </summary>
internal sealed class SelectionMembership
{
    private readonly ISelectionMaps _maps;
    private readonly Dictionary<string, Container> _containers = [];
    private readonly Dictionary<ulong, int> _mountNamespaceUsers = [];
    private readonly Lock _lock = new();
    private bool _closed;

    internal SelectionMembership(ContainerSelector selector, ISelectionMaps maps)
    {
        Selector = selector;
        _maps = maps;
    }

    internal ContainerSelector Selector { get; }

    internal bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>The selected containers now.</summary>
    internal IReadOnlyList<Container> Containers
    {
        get
        {
            lock (_lock)
            {
                return [.. _containers.Values];
            }
        }
    }

    internal bool ContainsCgroup(ulong cgroupId)
    {
        lock (_lock)
        {
            return !_closed && _maps.ContainsCgroup(cgroupId);
        }
    }

    internal void OnAdded(Container container)
    {
        if (!Selector.Matches(container))
        {
            return;
        }
        lock (_lock)
        {
            if (_closed || !_containers.TryAdd(container.Id, container))
            {
                return;
            }
            _maps.SetCgroup(container.CgroupId, true);
            var users = _mountNamespaceUsers.GetValueOrDefault(container.MountNamespaceId) + 1;
            _mountNamespaceUsers[container.MountNamespaceId] = users;
            if (users == 1)
            {
                _maps.SetMountNamespace(container.MountNamespaceId, true);
            }
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
            if (_closed || !_containers.TryGetValue(container.Id, out var held) || !ReferenceEquals(held, container))
            {
                return;
            }
            _containers.Remove(container.Id);
            _maps.SetCgroup(container.CgroupId, false);
            var users = _mountNamespaceUsers.GetValueOrDefault(container.MountNamespaceId) - 1;
            if (users <= 0)
            {
                _mountNamespaceUsers.Remove(container.MountNamespaceId);
                _maps.SetMountNamespace(container.MountNamespaceId, false);
            }
            else
            {
                _mountNamespaceUsers[container.MountNamespaceId] = users;
            }
        }
    }

    /// <summary>Stops following containers and disposes the maps; returns false when it was closed already.</summary>
    internal bool Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }
            _closed = true;
            _containers.Clear();
            _mountNamespaceUsers.Clear();
        }
        _maps.Dispose();
        return true;
    }
}
