using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Gadget.Containers.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// The containers known now, indexed by id, cgroup id, mount namespace and init pid, and who is told when they change:
/// the selections (their maps first), then the handlers of <see cref="Added"/>, <see cref="Removed"/> and <see cref="Updated"/>,
/// then the <see cref="WatchAsync"/> streams, then the sources (<see cref="Registered"/>). Everything happens under one lock,
/// so every observer sees the same order of changes. It reads nothing from the machine: the sources (kernel events, runtime
/// state, OCI hook, pod metadata) feed it.
/// </summary>
internal sealed class ContainerRegistry : IDisposable
{
    private const int EndedCapacity = 4096;
    private readonly object _sender;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, Container> _byId = [];
    private readonly Dictionary<ulong, Container> _byCgroupId = [];
    private readonly Dictionary<ulong, Container> _byMountNamespace = [];
    private readonly Dictionary<int, Container> _byPid = [];
    private readonly List<SelectionMembership> _selections = [];
    private readonly HashSet<(string Id, int Pid)> _ended = [];
    private readonly Queue<(string Id, int Pid)> _endedOrder = new();
    private readonly List<Channel<ContainerEventArgs>> _watchers = [];
    private bool _disposed;

    /// <param name="sender">The sender of the events (the <see cref="ContainerCollection"/>).</param>
    /// <param name="logger">Where diagnostics go.</param>
    internal ContainerRegistry(object sender, ILogger logger)
    {
        _sender = sender;
        _logger = logger;
    }

    internal event EventHandler<ContainerEventArgs>? Added;

    internal event EventHandler<ContainerEventArgs>? Removed;

    internal event EventHandler<ContainerEventArgs>? Updated;

    /// <summary>Raised under the lock after a container was added and everyone else was told (for the sources: a kernel
    /// source watches its init process and lets its cgroup's processes go).</summary>
    internal event Action<Container>? Registered;

    /// <summary>Called under the lock with a new container before it is indexed (pod labels are merged in here): keep it a local lookup.</summary>
    internal Action<Container>? Preparing { get; set; }

    internal IReadOnlyList<Container> Containers
    {
        get
        {
            lock (_gate)
            {
                return [.. _byId.Values];
            }
        }
    }

    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    internal Container? GetById(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    internal Container? GetByCgroupId(ulong cgroupId)
    {
        lock (_gate)
        {
            return _byCgroupId.GetValueOrDefault(cgroupId);
        }
    }

    internal Container? GetByMountNamespace(ulong mountNamespaceId)
    {
        lock (_gate)
        {
            return _byMountNamespace.GetValueOrDefault(mountNamespaceId);
        }
    }

    /// <summary>The container whose init process is <paramref name="pid"/>, or null.</summary>
    internal Container? GetByInitPid(int pid)
    {
        lock (_gate)
        {
            return _byPid.GetValueOrDefault(pid);
        }
    }

    /// <summary>How many (non-sandbox) containers of this pod are known: the index of the pod's next container.</summary>
    internal int CountPodContainers(string kubernetesNamespace, string podName)
    {
        lock (_gate)
        {
            return _byId.Values.Count(c => c.Kubernetes is { IsSandbox: false } k && k.Namespace == kubernetesNamespace && k.PodName == podName);
        }
    }

    /// <summary>
    /// Adds <paramref name="container"/> unless a container of the same id or cgroup id is known (that one is returned, and
    /// nobody is told anything) or it was removed already (the same id and init pid: it is returned, not added). A known
    /// container whose id is only its cgroup's name (<see cref="Container.IdFromCgroupName"/>) is removed first when a
    /// runtime's container of that id in another cgroup comes.
    /// A new one is prepared (<see cref="Preparing"/>), stamped, indexed, put in the matching
    /// selections, announced (<see cref="Added"/>, watchers) and handed to the sources (<see cref="Registered"/>).
    /// </summary>
    /// <returns>The container now known under that id or cgroup id.</returns>
    internal Container Add(Container container, string source)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return container;
            }
            if (_byId.TryGetValue(container.Id, out var guessed) && guessed.IdFromCgroupName && !container.IdFromCgroupName && guessed.CgroupId != container.CgroupId)
            {
                // A cgroup named after this container (its name is whoever made it's choice) does not keep the runtime's out.
                Remove(guessed, null, $"its cgroup's name is the id of {container}");
            }
            if (_byId.TryGetValue(container.Id, out var existing) || _byCgroupId.TryGetValue(container.CgroupId, out existing))
            {
                return existing;
            }
            if (_ended.Contains((container.Id, container.Pid)))
            {
                // A source that looked while the init was still in do_exit (its /proc entry not yet a zombie) comes late.
                _logger.LogTrace("Not adding {Container} ({Source}): that container and init process were removed already", container, source);
                return container;
            }
            if (Preparing is { } prepare)
            {
                Guard.Run(_logger, () => prepare(container), "prepare a new container");
            }
            container.RegisteredAt = Gadget.Bpf.BpfEnvironment.BootTimeNanoseconds;
            _byId[container.Id] = container;
            _byCgroupId[container.CgroupId] = container;
            _byMountNamespace[container.MountNamespaceId] = container; // the newest container of a namespace or pid wins
            _byPid[container.Pid] = container;
            _logger.LogDebug("Container added ({Source}): {Container}", source, container);
            foreach (var selection in _selections)
            {
                Guard.Run(_logger, () => selection.OnAdded(container), "update a selection");
            }
            ContainerMetrics.ContainerAdded();
            Announce(Added, new ContainerEventArgs(ContainerEventKind.Added, container));
            if (Registered is { } registered)
            {
                foreach (var single in registered.GetInvocationList().Cast<Action<Container>>())
                {
                    Guard.Run(_logger, () => single(container), "hand a new container to a source");
                }
            }
            return container;
        }
    }

    /// <summary>
    /// Removes <paramref name="container"/> (this very instance: another one of the same id is left alone), with the exit
    /// status the kernel reported, or none (<see cref="Container.ExitStatus"/> then stays null: unknown).
    /// </summary>
    /// <returns>Whether it was known and is removed now.</returns>
    internal bool Remove(Container container, ContainerExitStatus? status, string reason)
    {
        lock (_gate)
        {
            if (_disposed || !_byId.TryGetValue(container.Id, out var known) || !ReferenceEquals(known, container))
            {
                return false;
            }
            _byId.Remove(container.Id);
            RemoveIfSame(_byCgroupId, container.CgroupId, container);
            RemoveIfSame(_byMountNamespace, container.MountNamespaceId, container);
            RemoveIfSame(_byPid, container.Pid, container);
            RememberEnded(container);
            if (status is not null)
            {
                container.ExitStatus = status;
            }
            _logger.LogDebug("Container removed ({Reason}): {Container}, {Status}", reason, container, container.ExitStatus?.ToString() ?? "exit status unknown");
            foreach (var selection in _selections)
            {
                Guard.Run(_logger, () => selection.OnRemoved(container), "update a selection");
            }
            ContainerMetrics.ContainerRemoved(container.ExitStatus);
            Announce(Removed, new ContainerEventArgs(ContainerEventKind.Removed, container));
            return true;
        }
    }

    /// <summary>Applies <paramref name="change"/> to every known container; each one it changed (it returns true) is
    /// re-evaluated by every selection, then announced as <see cref="ContainerEventKind.Updated"/>.</summary>
    /// <returns>How many containers changed.</returns>
    internal int Update(Func<Container, bool> change, string reason)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return 0;
            }
            var changed = 0;
            foreach (var container in _byId.Values.ToList())
            {
                var applied = false;
                Guard.Run(_logger, () => applied = change(container), "update a container");
                if (!applied)
                {
                    continue;
                }
                changed++;
                _logger.LogDebug("Container updated ({Reason}): {Container}", reason, container);
                foreach (var selection in _selections)
                {
                    Guard.Run(_logger, () => selection.OnUpdated(container), "update a selection");
                }
                Announce(Updated, new ContainerEventArgs(ContainerEventKind.Updated, container));
            }
            return changed;
        }
    }

    /// <summary>Keeps <paramref name="selection"/> up to date from now on, starting with the containers known now.</summary>
    /// <exception cref="ObjectDisposedException">The registry is disposed.</exception>
    internal void Subscribe(SelectionMembership selection)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _selections.Add(selection);
            foreach (var container in _byId.Values)
            {
                selection.OnAdded(container);
            }
        }
    }

    internal void Unsubscribe(SelectionMembership selection)
    {
        lock (_gate)
        {
            _selections.Remove(selection);
        }
    }

    /// <summary>The containers as a stream of changes: first every known container as Added, then each change as it
    /// happens; it ends when the registry is disposed.</summary>
    internal async IAsyncEnumerable<ContainerEventArgs> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ContainerEventArgs>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (var container in _byId.Values)
            {
                channel.Writer.TryWrite(new ContainerEventArgs(ContainerEventKind.Added, container));
            }
            if (_disposed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _watchers.Add(channel);
            }
        }
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Waits until a container matching <paramref name="predicate"/> is known; returns it, or null after
    /// <paramref name="timeout"/> (or when the registry is disposed first).</summary>
    internal async Task<Container?> WaitForContainerAsync(Func<Container, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await foreach (var change in WatchAsync(timeoutSource.Token).ConfigureAwait(false))
            {
                if (change.Kind == ContainerEventKind.Added && predicate(change.Container))
                {
                    return change.Container;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return null;
    }

    /// <summary>Ends every watcher's stream and closes every selection (disposing its maps); later changes are ignored.</summary>
    public void Dispose()
    {
        SelectionMembership[] selections;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            selections = [.. _selections];
            _selections.Clear();
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
        foreach (var selection in selections)
        {
            selection.Close();
        }
    }

    /// <summary>Remembers the last <see cref="EndedCapacity"/> removed containers (id and init pid), so that no source adds
    /// one of them again: an id comes back only with a new init process (a restarted container).</summary>
    private void RememberEnded(Container container)
    {
        if (_ended.Add((container.Id, container.Pid)))
        {
            _endedOrder.Enqueue((container.Id, container.Pid));
            if (_endedOrder.Count > EndedCapacity)
            {
                _ended.Remove(_endedOrder.Dequeue());
            }
        }
    }

    private static void RemoveIfSame<TKey>(Dictionary<TKey, Container> dictionary, TKey key, Container container)
        where TKey : notnull
    {
        if (dictionary.TryGetValue(key, out var value) && ReferenceEquals(value, container))
        {
            dictionary.Remove(key);
        }
    }

    /// <summary>Raises <paramref name="handler"/> (each handler on its own: one that throws does not stop the others), then
    /// writes the change to every watcher.</summary>
    private void Announce(EventHandler<ContainerEventArgs>? handler, ContainerEventArgs change)
    {
        if (handler is not null)
        {
            foreach (var single in handler.GetInvocationList().Cast<EventHandler<ContainerEventArgs>>())
            {
                Guard.Run(_logger, () => single(_sender, change), $"run a Container{change.Kind} handler");
            }
        }
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(change);
        }
    }
}
