using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Gadget.Containers;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop;

/// <summary>
/// Records every container of a <see cref="ContainerCollection"/> that matches a <see cref="ContainerSelector"/>, each in its
/// own ring, from its first syscall (while a recorder follows, the kernel gives every new cgroup a spare ring at its first
/// syscall; the recorder keeps it when the collection reports a selected container there, and lets it go otherwise), and
/// dumps a container's history automatically when it ends: <see cref="ContainerExited"/> and <see cref="WatchExitsAsync"/> for
/// every ended container, <see cref="ContainerCrashed"/> when it exited with a non-zero code or was killed by a signal.
/// Create it with <see cref="TraceloopTracer.Follow(Gadget.Containers.ContainerCollection, Gadget.Containers.ContainerSelector, int)"/>.
/// </summary>
/// <remarks>
/// A running container whose pod labels change so that it matches (<see cref="ContainerCollection.ContainerUpdated"/>, with a
/// <see cref="ContainerCollectionOptions.PodMetadataSource"/>) is recorded from then on; one that stops matching keeps being
/// recorded until it ends.
/// When a container ends, recording stops and its history stays readable (<see cref="Dump(string)"/>) until
/// <see cref="Release"/>, or until more than <see cref="RetainedExitedContainers"/> other containers ended after it.
/// Several recorders (on one tracer or on several) may record the same container: each keeps its own reference.
/// </remarks>
public sealed class ContainerRecorder : IDisposable
{
    private readonly TraceloopTracer _tracer;
    private readonly ContainerCollection _collection;
    private readonly ContainerSelector _selector;
    private readonly ConcurrentDictionary<string, Container> _containers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _exited = new();
    private readonly Lock _gate = new();
    private readonly List<Channel<ContainerHistoryEventArgs>> _watchers = [];
    private bool _disposed;

    internal ContainerRecorder(TraceloopTracer tracer, ContainerCollection collection, ContainerSelector selector, int retainedExitedContainers, bool exitTimestamps)
    {
        _tracer = tracer;
        _collection = collection;
        _selector = selector;
        RetainedExitedContainers = retainedExitedContainers;
        ExitTimestamps = exitTimestamps;
        // First: it throws when not one ring can be made for new containers (no descriptors or memory left), and then
        // nothing of this recorder may be subscribed to the collection.
        _tracer.AddFollower(this);
        _collection.ContainerAdded += OnAdded;
        _collection.ContainerUpdated += OnUpdated;
        _collection.ContainerRemoved += OnRemoved;
        foreach (var container in _collection.Containers)
        {
            Track(container);
        }
    }

    /// <summary>Raised (on the collection's event thread) with the history of a selected container that exited with a non-zero code or was killed by a signal.</summary>
    public event EventHandler<ContainerHistoryEventArgs>? ContainerCrashed;

    /// <summary>
    /// Raised (on the collection's event thread, before <see cref="ContainerCrashed"/>) with the history of every recorded
    /// container that ended, a clean exit (code 0) included, and how it ended as the kernel reported it
    /// (<see cref="ContainerHistoryEventArgs.IsCrash"/> tells a crash). A container whose end nobody reported (the collection
    /// runs without BPF and the ring holds no exit of its init) is not raised: there is no status to tell.
    /// </summary>
    public event EventHandler<ContainerHistoryEventArgs>? ContainerExited;

    /// <summary>How many ended containers keep their history before the oldest is released.</summary>
    public int RetainedExitedContainers { get; }

    /// <summary>
    /// Whether the kernel reads the clock at the exit of every recorded syscall of this recorder's containers (every returned
    /// call has its <see cref="SyscallRecord.ExitTimestampNs"/>); else only of calls whose thread was switched out. A
    /// container that another recorder records with exit timestamps has them here too while that one records it (they share
    /// its ring). Chosen at <see cref="TraceloopTracer.Follow(ContainerCollection, ContainerSelector, int, bool)"/>.
    /// </summary>
    public bool ExitTimestamps { get; }

    /// <summary>The containers with a history: running ones being recorded, and ended ones not yet released.</summary>
    public IReadOnlyList<Container> Containers => [.. _containers.Values];

    /// <summary>
    /// The history of the container with id <paramref name="containerId"/> (a unique prefix, or its name, also works): from
    /// the <c>execve</c> of its program by its init process on, when the ring holds it (what the runtime did in the cgroup
    /// before, e.g. <c>runc init</c>, is left out), else everything the ring holds.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such container has a history here.</exception>
    /// <exception cref="ArgumentException"><paramref name="containerId"/> is empty.</exception>
    public SyscallHistory Dump(string containerId)
    {
        var container = Find(containerId);
        return _tracer.Dump(container.CgroupId).FromFirstExec(container.Pid);
    }

    /// <summary>
    /// The histories of the recorded containers as they end (what <see cref="ContainerExited"/> raises, in the same order),
    /// until <paramref name="cancellationToken"/> is canceled or the recorder is disposed. Containers that ended before the
    /// call are not replayed. A slow reader holds the histories it has not read yet (they are not lost).
    /// </summary>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<ContainerHistoryEventArgs> WatchExitsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ContainerHistoryEventArgs>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (_disposed)
            {
                yield break;
            }
            _watchers.Add(channel);
        }
        try
        {
            await foreach (var history in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return history;
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

    /// <summary>The container with id <paramref name="idPrefixOrName"/>, a unique id prefix, or a name.</summary>
    /// <exception cref="KeyNotFoundException">None, or several, match.</exception>
    /// <exception cref="ArgumentException"><paramref name="idPrefixOrName"/> is empty (a prefix of every id).</exception>
    public Container Find(string idPrefixOrName)
    {
        ArgumentException.ThrowIfNullOrEmpty(idPrefixOrName);
        if (_containers.TryGetValue(idPrefixOrName, out var exact))
        {
            return exact;
        }
        var matches = _containers.Values.Where(c => c.Id.StartsWith(idPrefixOrName, StringComparison.Ordinal) || c.Name == idPrefixOrName).ToList();
        return matches.Count == 1
            ? matches[0]
            : throw new KeyNotFoundException(matches.Count == 0
                ? $"No recorded container matches '{idPrefixOrName}'."
                : $"'{idPrefixOrName}' matches {matches.Count} containers: {string.Join(", ", matches.Select(c => c.Id))}.");
    }

    /// <summary>Frees the history of an ended container (or stops recording a running one and frees it).</summary>
    public bool Release(string containerId)
    {
        if (!_containers.TryRemove(containerId, out var container))
        {
            return false;
        }
        _tracer.RemoveCgroup(container.CgroupId, ExitTimestamps);
        return true;
    }

    private void Track(Container container)
    {
        lock (_gate)
        {
            if (_disposed || _containers.ContainsKey(container.Id))
            {
                return;
            }
            if (!_selector.Matches(container) || container.ExitStatus is not null)
            {
                _tracer.Decline(container.CgroupId, this);
                return;
            }
            try
            {
                _tracer.AddCgroup(container.CgroupId, null, ExitTimestamps);
            }
            catch (Exception e) when (e is Gadget.Bpf.BpfException || (e is InvalidOperationException && e is not ObjectDisposedException))
            {
                // No ring could be made (the open-file limit, the memory cgroup) or every ring is in use: this container is
                // not recorded, the others are; thrown here it would only reach the collection's event thread. Declined at
                // once: still one of the kernel's new cgroups, it would claim the next spare ring at its next syscall, and
                // hold it for nobody until UnkeptRingTimeout (a ring it claimed already is freed).
                _tracer.Logger?.LogWarning("Container {Container} ({Id}) is not recorded: {Reason}", container.Name, container.Id, e.Message);
                _tracer.Decline(container.CgroupId, this);
                return;
            }
            _containers[container.Id] = container;
            TraceloopMetrics.ContainerRecorded();
        }
    }

    private void OnAdded(object? sender, ContainerEventArgs e) => Track(e.Container);

    /// <summary>A running container's pod labels changed: it is recorded from now on if it matches now. One that no longer
    /// matches keeps being recorded (its history stays whole) until it ends or is released.</summary>
    private void OnUpdated(object? sender, ContainerEventArgs e)
    {
        if (!_containers.ContainsKey(e.Container.Id))
        {
            Track(e.Container);
        }
    }

    private void OnRemoved(object? sender, ContainerEventArgs e)
    {
        var container = e.Container;
        if (!_containers.ContainsKey(container.Id))
        {
            _tracer.Decline(container.CgroupId, this);
            return;
        }
        ContainerHistoryEventArgs? ended = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _tracer.StopRecording(container.CgroupId);
            // The status the kernel reported to the collection, else the one it wrote into the ring at the init's exit.
            var full = _tracer.Dump(container.CgroupId);
            var status = container.ExitStatus ?? full.ProcessExits.LastOrDefault(x => x.ProcessId == container.Pid)?.Status;
            if (status is { } known)
            {
                ended = new ContainerHistoryEventArgs(container, full.FromFirstExec(container.Pid), known);
                TraceloopMetrics.ContainerEnded(ended.IsCrash);
                foreach (var watcher in _watchers)
                {
                    watcher.Writer.TryWrite(ended);
                }
            }
            _exited.Enqueue(container.Id);
            while (_exited.Count > RetainedExitedContainers && _exited.TryDequeue(out var oldest))
            {
                Release(oldest);
            }
        }
        if (ended is not null)
        {
            ContainerExited?.Invoke(this, ended);
            if (ended.IsCrash)
            {
                ContainerCrashed?.Invoke(this, ended);
            }
        }
    }

    /// <summary>Stops following the collection and frees every container's ring.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
            _watchers.Clear();
        }
        _collection.ContainerAdded -= OnAdded;
        _collection.ContainerUpdated -= OnUpdated;
        _collection.ContainerRemoved -= OnRemoved;
        _tracer.RemoveFollower(this);
        foreach (var id in _containers.Keys)
        {
            Release(id);
        }
    }
}
