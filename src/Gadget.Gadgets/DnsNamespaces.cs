using System.Collections.Concurrent;
using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Gadgets.Interop;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Gadget.Gadgets;

/// <summary>
/// The network namespaces <see cref="DnsSnoop"/> watches: in each, a copy of bpf/dns.bpf.o loaded with that namespace's
/// inode (all copies writing one ring buffer) and an AF_PACKET socket with its filter attached, opened from a thread that
/// entered the namespace. Follows the container collection: a container that starts gets its namespace watched, the
/// namespace of the last container that used it is closed when that container goes (the socket would keep it alive).
/// </summary>
internal sealed class DnsNamespaces : IDisposable
{
    private const int MaxRememberedOwners = 4096;
    private readonly Dictionary<ulong, Watch> _watched = [];
    private readonly ConcurrentDictionary<ulong, Container> _owners = new();
    private readonly Lock _lock = new();
    private readonly BpfMap _events;
    private readonly BpfMap _lost;
    private readonly GadgetOptions _options;
    private readonly ContainerSelection? _selection;
    private readonly ulong _host;
    private bool _disposed;

    public DnsNamespaces(BpfMap events, BpfMap lost, GadgetOptions options, ContainerSelection? selection)
    {
        _events = events;
        _lost = lost;
        _options = options;
        _selection = selection;
        _host = NetNamespaceContainers.Inode("/proc/self/ns/net");
    }

    /// <summary>The inode numbers of the namespaces watched now.</summary>
    public IReadOnlyCollection<ulong> Watched
    {
        get
        {
            lock (_lock)
            {
                return [.. _watched.Keys];
            }
        }
    }

    /// <summary>What <c>/proc/self/fd/N</c> of the namespace's packet socket links to (<c>socket:[inode]</c>), null when not watched.</summary>
    public string? SocketLink(ulong netns)
    {
        lock (_lock)
        {
            return _watched.TryGetValue(netns, out var watch) ? watch.Link : null;
        }
    }

    /// <summary>Watches the host's namespace (no selector) and the namespaces of the containers there are now, then follows the collection.</summary>
    public void Start()
    {
        if (_selection is null)
        {
            Add(_host, null, null);
        }
        if (_options.Containers is { } containers)
        {
            // Subscribed first: a container that starts meanwhile is seen twice at worst (the second time is a no-op).
            containers.ContainerAdded += OnAdded;
            containers.ContainerRemoved += OnRemoved;
            containers.ContainerUpdated += OnUpdated;
            foreach (var container in _selection?.Containers ?? containers.Containers)
            {
                AddContainer(container);
            }
        }
    }

    /// <summary>The container a namespace belongs to (kept a while after the container went, for its last events); null for the host's.</summary>
    public Container? Owner(ulong netns) => _owners.TryGetValue(netns, out var container) ? container : null;

    private bool Selected(Container container) => _selection is null || _selection.ContainsCgroup(container.CgroupId);

    private void OnAdded(object? sender, ContainerEventArgs e)
    {
        if (Selected(e.Container))
        {
            AddContainer(e.Container);
        }
    }

    private void OnRemoved(object? sender, ContainerEventArgs e) => Release(e.Container);

    /// <summary>A pod's labels changed: the container may have joined or left a label selection.</summary>
    private void OnUpdated(object? sender, ContainerEventArgs e)
    {
        if (Selected(e.Container))
        {
            AddContainer(e.Container);
        }
        else
        {
            Release(e.Container);
        }
    }

    /// <summary>Closes the namespace of <paramref name="gone"/> unless another selected container (of its pod) still uses it.</summary>
    private void Release(Container gone)
    {
        var netns = gone.NetNamespaceId;
        if (netns == 0 || netns == _host)
        {
            return;
        }
        var users = (_selection?.Containers ?? _options.Containers?.Containers ?? []).Where(c => c.NetNamespaceId == netns && c.Id != gone.Id && Selected(c));
        if (!users.Any())
        {
            Remove(netns);
        }
    }

    private void AddContainer(Container container)
    {
        var netns = container.NetNamespaceId;
        if (netns == 0)
        {
            _options.Logger?.LogDebug("trace dns: container {Container}: network namespace unknown, not watched", container.Name);
            return;
        }
        if (netns == _host)
        {
            // Its packets are the host's: watched (and reported without a container) only without a selector.
            _options.Logger?.LogDebug("trace dns: container {Container} uses the host's network namespace: not watched for it (trace the host instead)", container.Name);
            return;
        }
        Add(netns, $"/proc/{container.Pid}/ns/net", container);
    }

    private void Add(ulong netns, string? namespaceFile, Container? container)
    {
        lock (_lock)
        {
            if (_disposed || _watched.ContainsKey(netns))
            {
                return;
            }
            BpfObject? bpf = null;
            try
            {
                using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(DnsNamespaces).Assembly, "dns.bpf.o", new BpfObjectOptions { Logger = _options.Logger }))
                {
                    spec.SetGlobal("netns", (uint)netns);
                    spec.Map("events").ReuseMap(_events);
                    spec.Map("lost").ReuseMap(_lost);
                    bpf = spec.Load();
                }
                var filter = bpf.Program("dns_filter");
                var socket = namespaceFile is null ? PacketSocket.Open(filter) : NetNamespaceThread.Run(namespaceFile, () => PacketSocket.Open(filter), netns);
                var link = new FileInfo($"/proc/self/fd/{socket.DangerousGetHandle()}").LinkTarget ?? string.Empty;
                _watched.Add(netns, new Watch(bpf, socket, link));
                if (container is not null)
                {
                    _owners[netns] = container; // a namespace inode freed earlier can be reused: the newest owner wins
                }
                if (_owners.Count > MaxRememberedOwners)
                {
                    ForgetGoneOwners();
                }
                _options.Logger?.LogDebug("trace dns: watching network namespace {NetNs} ({Container})", netns, container?.Name ?? "host");
            }
            catch (Exception e) when (namespaceFile is not null && e is FileNotFoundException or DirectoryNotFoundException)
            {
                bpf?.Dispose();
                _options.Logger?.LogDebug("trace dns: container {Container} exited before its network namespace was entered", container?.Name);
            }
            catch (Exception e) when (container is not null)
            {
                // A container's namespace that cannot be watched must not end the gadget for the others.
                bpf?.Dispose();
                _options.Logger?.LogWarning(e, "trace dns: cannot watch the network namespace of container {Container}", container.Name);
            }
            catch
            {
                bpf?.Dispose();
                throw;
            }
        }
    }

    private void Remove(ulong netns)
    {
        lock (_lock)
        {
            if (_watched.Remove(netns, out var watch))
            {
                watch.Dispose();
                _options.Logger?.LogDebug("trace dns: network namespace {NetNs} closed (its last container went)", netns);
            }
        }
    }

    /// <summary>Keeps the owners of the watched namespaces only (the rest were kept for their last events).</summary>
    private void ForgetGoneOwners()
    {
        foreach (var netns in _owners.Keys)
        {
            if (!_watched.ContainsKey(netns))
            {
                _owners.TryRemove(netns, out _);
            }
        }
    }

    /// <summary>Stops following the collection, closes every socket and unloads every copy of the program.</summary>
    public void Dispose()
    {
        if (_options.Containers is { } containers)
        {
            containers.ContainerAdded -= OnAdded;
            containers.ContainerRemoved -= OnRemoved;
            containers.ContainerUpdated -= OnUpdated;
        }
        lock (_lock)
        {
            _disposed = true;
            foreach (var watch in _watched.Values)
            {
                watch.Dispose();
            }
            _watched.Clear();
        }
    }

    private sealed record Watch(BpfObject Object, SafeFileHandle Socket, string Link) : IDisposable
    {
        public void Dispose()
        {
            Socket.Dispose();
            Object.Dispose();
        }
    }
}
