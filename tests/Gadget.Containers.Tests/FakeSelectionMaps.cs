namespace Gadget.Containers.Tests;

/// <summary>A selection's maps as two sets, with a journal of every write: for tests of the registry without a kernel.</summary>
internal sealed class FakeSelectionMaps : ISelectionMaps
{
    private readonly HashSet<ulong> _cgroups = [];
    private readonly HashSet<ulong> _mountNamespaces = [];
    private readonly List<string>? _journal;

    /// <param name="journal">Where "cgroup+N", "cgroup-N", "mntns+N", "mntns-N" are appended as they happen (shared with the test's other observers).</param>
    internal FakeSelectionMaps(List<string>? journal = null) => _journal = journal;

    internal IReadOnlyCollection<ulong> Cgroups => _cgroups;

    internal IReadOnlyCollection<ulong> MountNamespaces => _mountNamespaces;

    internal bool Disposed { get; private set; }

    public void SetCgroup(ulong cgroupId, bool present)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        _ = present ? _cgroups.Add(cgroupId) : _cgroups.Remove(cgroupId);
        _journal?.Add($"cgroup{(present ? '+' : '-')}{cgroupId}");
    }

    public void SetMountNamespace(ulong mountNamespaceId, bool present)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        _ = present ? _mountNamespaces.Add(mountNamespaceId) : _mountNamespaces.Remove(mountNamespaceId);
        _journal?.Add($"mntns{(present ? '+' : '-')}{mountNamespaceId}");
    }

    public bool ContainsCgroup(ulong cgroupId) => !Disposed && _cgroups.Contains(cgroupId);

    public void Dispose() => Disposed = true;
}
