using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// Remembers the containers a collection removed in the last <see cref="Retention"/>, by cgroup id: a container that
/// exits right after its last exec/open/OOM kill is gone from the collection when user space reads those events.
/// </summary>
internal sealed class RecentContainers : IDisposable
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(30);
    private readonly ContainerCollection _containers;
    private readonly Dictionary<ulong, (Container Container, long RemovedAt)> _removed = [];

    public RecentContainers(ContainerCollection containers)
    {
        _containers = containers;
        _containers.ContainerRemoved += OnRemoved;
    }

    /// <summary>The removed container with this cgroup id, or null.</summary>
    public Container? Get(ulong cgroupId)
    {
        lock (_removed)
        {
            return _removed.TryGetValue(cgroupId, out var entry) ? entry.Container : null;
        }
    }

    public void Dispose() => _containers.ContainerRemoved -= OnRemoved;

    private void OnRemoved(object? sender, ContainerEventArgs e)
    {
        var now = Environment.TickCount64;
        lock (_removed)
        {
            foreach (var (id, entry) in _removed.ToList())
            {
                if (now - entry.RemovedAt > Retention.TotalMilliseconds)
                {
                    _removed.Remove(id);
                }
            }
            _removed[e.Container.CgroupId] = (e.Container, now);
        }
    }
}
