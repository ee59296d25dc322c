using Gadget.Bpf;

namespace Gadget.Containers;

/// <summary>The two BPF hash maps of a <see cref="ContainerSelection"/> (cgroup id → 1, mount namespace id → 1), pinned when asked.</summary>
internal sealed class BpfSelectionMaps : ISelectionMaps
{
    private readonly BpfMap<ulong, byte> _cgroups;
    private readonly BpfMap<ulong, byte> _mountNamespaces;

    internal BpfSelectionMaps(ContainerSelectionOptions options)
    {
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
            Dispose();
            throw;
        }
    }

    internal BpfMap CgroupIds { get; }

    internal BpfMap MountNamespaceIds { get; }

    public void SetCgroup(ulong cgroupId, bool present)
    {
        if (present)
        {
            _cgroups.Update(cgroupId, 1);
        }
        else
        {
            _cgroups.Delete(cgroupId);
        }
    }

    public void SetMountNamespace(ulong mountNamespaceId, bool present)
    {
        if (present)
        {
            _mountNamespaces.Update(mountNamespaceId, 1);
        }
        else
        {
            _mountNamespaces.Delete(mountNamespaceId);
        }
    }

    public bool ContainsCgroup(ulong cgroupId) => _cgroups.TryLookup(cgroupId, out _);

    /// <summary>Unpins (when pinned) and closes both maps.</summary>
    public void Dispose()
    {
        foreach (var map in (BpfMap[])[CgroupIds, MountNamespaceIds])
        {
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
