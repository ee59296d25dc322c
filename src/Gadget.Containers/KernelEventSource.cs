using System.Runtime.InteropServices;
using Gadget.Bpf;
using Gadget.Containers.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// The kernel as a source of containers and of their exit status: the BPF program of bpf/containers.bpf.c reports new
/// cgroup2 directories (their container's runtime state is then looked for), processes that exec in a new cgroup inside a
/// mount namespace of their own (resolved to their container and added; never stopped: a tracer that must see a container's
/// first syscall records it in the kernel), container init exits with their status, and removed cgroups. It watches the init process of every container
/// of the registry (so its exit is reported) and is the only one that knows exit statuses: a container whose init is seen
/// gone by another source (<see cref="OnInitGone"/>) is removed with the status the kernel reported, waiting a little for
/// that report when it has not been read yet, and with no status (unknown) when none comes.
/// </summary>
internal sealed class KernelEventSource : IDisposable
{
    private const string BpfObjectResource = "containers.bpf.o";
    private const int RecentExitCapacity = 1024;
    /// <summary>How long a reported exit of a pid nobody had registered yet is taken as that pid's: longer, and the pid
    /// number may belong to another process by now.</summary>
    private const long RecentExitMilliseconds = 30_000;
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);
    private readonly ContainerRegistry _registry;
    private readonly RuntimeStateScanner _scanner;
    private readonly TimeSpan _stateWaitTimeout;
    private readonly ILogger _logger;
    private readonly BpfObject _bpf;
    private readonly BpfMap<ulong, byte> _pendingCgroups;
    private readonly BpfMap<ulong, byte> _pendingUserCgroups;
    private readonly BpfMap<uint, byte> _watchedPids;
    private readonly List<BpfLink> _links = [];
    private readonly KernelEventPump _pump;
    private readonly Lock _exitsLock = new();
    private readonly Dictionary<int, (ContainerExitStatus Status, long At)> _recentExits = [];
    private readonly Queue<int> _recentExitOrder = new();
    private readonly HashSet<Container> _awaitingExit = [];
    private readonly HashSet<ulong> _resolving = [];
    private readonly Dictionary<ulong, string> _newCgroupPaths = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly UserCgroupWatchers _userCgroups;
    private int _disposed;
    private ulong _droppedSeen;
    private long _droppedCheckedAt;

    /// <summary>Loads and attaches the BPF program and starts reading its events.</summary>
    /// <exception cref="BpfException">The program could not be loaded or attached.</exception>
    internal KernelEventSource(ContainerRegistry registry, RuntimeStateScanner scanner, ContainerCollectionOptions options, ILogger logger)
    {
        _registry = registry;
        _scanner = scanner;
        _stateWaitTimeout = options.StateWaitTimeout;
        _logger = logger;
        _userCgroups = new UserCgroupWatchers(scanner, options.StateWaitTimeout * 2, logger);
        using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(KernelEventSource).Assembly, BpfObjectResource, new BpfObjectOptions { Logger = logger }))
        {
            spec.SetGlobal("host_mnt_ns", (uint)ProcessInspector.GetNamespaceId(Environment.ProcessId, "mnt"));
            _bpf = spec.Load();
        }
        try
        {
            _pendingCgroups = _bpf.Map("pending_cgroups").As<ulong, byte>();
            _pendingUserCgroups = _bpf.Map("pending_user_cgroups").As<ulong, byte>();
            _watchedPids = _bpf.Map("watched_pids").As<uint, byte>();
            _registry.Registered += OnRegistered;
            _registry.Removed += OnRemoved;
            _pump = new KernelEventPump(_bpf.Map("container_events"), OnKernelEvent, "gadget-containers-events");
            foreach (var program in _bpf.Programs)
            {
                _links.Add(program.Attach());
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether a process is a container runtime re-executing itself (runc's <c>runc init</c>) rather than the container's
    /// first program: it still shares its parent's mount namespace. The kernel side skips execs in the collection's own mount
    /// namespace, which is the runtime's only when the collection runs in the host's; in a container of its own (a DaemonSet
    /// pod) every <c>runc init</c> is reported too, and registering it would make its exit look like the container's.
    /// </summary>
    internal static bool IsRuntimeReexec(int pid)
    {
        var mountNamespace = ProcessInspector.GetNamespaceId(pid, "mnt");
        var parent = ProcessInspector.GetParentPid(pid);
        return mountNamespace != 0 && parent > 0 && ProcessInspector.GetNamespaceId(parent, "mnt") == mountNamespace;
    }

    /// <summary>
    /// A source saw the init process of <paramref name="container"/> gone: remove it with the exit status the kernel reported.
    /// When that report has not been read yet, it is waited for (2 s); when none comes (the init ended before it was
    /// watched), the container is removed with no exit status.
    /// </summary>
    internal void OnInitGone(Container container, string reason)
    {
        ContainerExitStatus? status = null;
        lock (_exitsLock)
        {
            if (TakeFreshExit(container.Pid) is { } reported)
            {
                status = reported;
            }
            else if (!_awaitingExit.Add(container))
            {
                return; // already waiting for it
            }
        }
        if (status is not null)
        {
            _registry.Remove(container, status, reason);
            return;
        }
        _ = RemoveAfterGraceAsync(container, reason);
    }

    /// <summary>Detaches the program (no process is held any more), reads what is left (continuing the held ones), unloads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        _registry.Registered -= OnRegistered;
        _registry.Removed -= OnRemoved;
        BpfLink.DisposeAll(_links);
        _pump?.Dispose();
        _bpf.Dispose();
    }

    private async Task RemoveAfterGraceAsync(Container container, string reason)
    {
        try
        {
            await Task.Delay(ExitGrace, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            lock (_exitsLock)
            {
                _awaitingExit.Remove(container);
            }
        }
        var status = TakeRecentExit(container.Pid);
        _registry.Remove(container, status, status is null ? reason + ", no exit status from the kernel" : reason);
    }

    private ContainerExitStatus? TakeRecentExit(int pid)
    {
        lock (_exitsLock)
        {
            return TakeFreshExit(pid);
        }
    }

    /// <summary>The exit the kernel reported for <paramref name="pid"/> in the last <see cref="RecentExitMilliseconds"/>,
    /// taken out (under <see cref="_exitsLock"/>); null when none.</summary>
    private ContainerExitStatus? TakeFreshExit(int pid) =>
        _recentExits.Remove(pid, out var exit) && Environment.TickCount64 - exit.At <= RecentExitMilliseconds ? exit.Status : null;

    private bool HasFreshExit(int pid)
    {
        lock (_exitsLock)
        {
            return _recentExits.TryGetValue(pid, out var exit) && Environment.TickCount64 - exit.At <= RecentExitMilliseconds;
        }
    }

    private void RecordExit(int pid, ContainerExitStatus status)
    {
        lock (_exitsLock)
        {
            if (_recentExits.TryAdd(pid, (status, Environment.TickCount64)))
            {
                _recentExitOrder.Enqueue(pid);
            }
            else
            {
                _recentExits[pid] = (status, Environment.TickCount64);
            }
            while (_recentExitOrder.Count > RecentExitCapacity)
            {
                _recentExits.Remove(_recentExitOrder.Dequeue());
            }
        }
    }

    /// <summary>A container was added (under the registry's lock, after everyone was told): watch its init, and let the
    /// kernel stop reporting its cgroup's execs.</summary>
    private void OnRegistered(Container container)
    {
        if (_disposed != 0)
        {
            return;
        }
        Guard.Run(_logger, () => _watchedPids.Update((uint)container.Pid, 1), "watch an init process");
        ClearPending(container.CgroupId);
        // The init may have ended before it was watched: its exit was reported (if it was watched since its exec) or never will be.
        // Or it is ending: the kernel reported its exit (read before this registration) while /proc still shows it running
        // (do_exit reports before the task becomes a zombie), and no other exit report will come.
        if (!ProcessInspector.IsAlive(container.Pid) || HasFreshExit(container.Pid))
        {
            OnInitGone(container, "init process already gone");
        }
    }

    private void OnRemoved(object? sender, ContainerEventArgs e)
    {
        if (_disposed == 0)
        {
            Guard.Run(_logger, () => _watchedPids.Delete((uint)e.Container.Pid), "unwatch a pid");
        }
    }

    private void OnKernelEvent(ReadOnlySpan<byte> record)
    {
        if (record.Length < ContainerEvent.Size)
        {
            return;
        }
        var e = MemoryMarshal.Read<ContainerEvent>(record);
        Guard.Run(_logger, () => Handle(ref e), "handle a kernel event");
    }

    private void Handle(ref ContainerEvent e)
    {
        switch (e.Type)
        {
            case ContainerEvent.Exec:
                OnExec((int)e.Pid, e.CgroupId, e.MntNs, e.PathText);
                break;
            case ContainerEvent.InitExit:
                OnInitExit((int)e.Pid, new ContainerExitStatus((int)e.ExitCode));
                break;
            case ContainerEvent.CgroupRmdir:
                if (_registry.GetByCgroupId(e.CgroupId) is { } removed)
                {
                    _registry.Remove(removed, TakeRecentExit(removed.Pid), "cgroup removed");
                }
                break;
            case ContainerEvent.CgroupMkdir:
                _logger.LogTrace("cgroup created: {Path} (id {CgroupId}, level {Level})", e.PathText, e.CgroupId, e.HierarchyLevel);
                if (e.HierarchyLevel > 0)
                {
                    var path = e.PathText;
                    var cgroupId = e.CgroupId;
                    if (e.CreatorUid == 0)
                    {
                        RememberNewCgroup(cgroupId, path);
                        _ = Task.Run(() => _scanner.WatchNewCgroupAsync(path, cgroupId, _stateWaitTimeout * 2, _stopping.Token));
                    }
                    else
                    {
                        _userCgroups.Watch(path, cgroupId, _stopping.Token);
                    }
                }
                break;
        }
        ReportDroppedEvents();
    }

    /// <summary>Events the kernel could not send (its ring was full) are a warning, at most one a second: never silent.</summary>
    private void ReportDroppedEvents()
    {
        var now = Environment.TickCount64;
        if (now - _droppedCheckedAt < 1000)
        {
            return;
        }
        _droppedCheckedAt = now;
        var dropped = _bpf.GetGlobal<ulong>("events_dropped");
        if (dropped != _droppedSeen)
        {
            _logger.LogWarning("Gadget.Containers: {Count} kernel container events were dropped (their ring was full; {Total} in all): the periodic rescan registers what they reported, a container's exit status may be lost.", dropped - _droppedSeen, dropped);
            _droppedSeen = dropped;
        }
    }

    /// <summary>The kernel no longer reports the execs of <paramref name="cgroupId"/> (resolved, or registered).</summary>
    private void ClearPending(ulong cgroupId)
    {
        Guard.Run(_logger, () => _pendingCgroups.Delete(cgroupId), "clear a pending cgroup");
        Guard.Run(_logger, () => _pendingUserCgroups.Delete(cgroupId), "clear a pending cgroup");
    }

    /// <summary>The reader of the kernel's events (tests pause it).</summary>
    internal KernelEventPump Pump => _pump;

    /// <summary>The kernel's count of events it could not send (tests).</summary>
    internal ulong EventsDropped => _bpf.GetGlobal<ulong>("events_dropped");

    /// <summary>Other users' cgroup events the kernel did not send to keep room for the runtimes' (tests).</summary>
    internal ulong UserEventsSkipped => _bpf.GetGlobal<ulong>("user_events_skipped");

    private void OnInitExit(int pid, ContainerExitStatus status)
    {
        // Recorded first: a source registering this pid's container right now finds it (OnRegistered, OnInitGone).
        RecordExit(pid, status);
        if (_registry.GetByInitPid(pid) is { } exited)
        {
            TakeRecentExit(pid);
            _registry.Remove(exited, status, "init process exited");
        }
        else
        {
            _logger.LogDebug("Unregistered watched pid {Pid} ended: {Status}", pid, status);
        }
    }

    /// <summary>A process of a new cgroup exec'd in a mount namespace of its own (and runs on): resolve its container off the event thread.</summary>
    private void OnExec(int pid, ulong cgroupId, ulong mountNamespace, string program)
    {
        _logger.LogTrace("Exec in a new cgroup: pid {Pid} ({Program}), cgroup {CgroupId}", pid, program, cgroupId);
        if (_registry.GetByCgroupId(cgroupId) is not null)
        {
            return;
        }
        lock (_resolving)
        {
            if (!_resolving.Add(cgroupId))
            {
                return; // another exec of that cgroup is being resolved
            }
        }
        // The runtime wrote its state before the container's program could exec: read it now, on this thread, so that a
        // container that ends and is deleted (runc delete) before the resolution below runs is still known.
        Container? stateAtExec = null;
        try
        {
            stateAtExec = NewCgroupPath(cgroupId) is { } path ? _scanner.FindGone(pid, path, cgroupId, mountNamespace) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            _logger.LogDebug(e, "No runtime state readable at the exec of pid {Pid} (cgroup {CgroupId})", pid, cgroupId);
        }
        _ = Task.Run(() => RegisterExecAsync(pid, cgroupId, mountNamespace, program, stateAtExec));
    }

    /// <summary>The cgroup2 paths of the new cgroups (from their mkdir), to find a container whose init ended before it was resolved.</summary>
    private void RememberNewCgroup(ulong cgroupId, string path)
    {
        lock (_newCgroupPaths)
        {
            if (_newCgroupPaths.Count >= RecentExitCapacity)
            {
                _newCgroupPaths.Clear();
            }
            _newCgroupPaths[cgroupId] = path;
        }
    }

    private string? NewCgroupPath(ulong cgroupId)
    {
        lock (_newCgroupPaths)
        {
            return _newCgroupPaths.GetValueOrDefault(cgroupId);
        }
    }

    /// <param name="pid">The process that exec'd.</param>
    /// <param name="cgroupId">Its new cgroup.</param>
    /// <param name="mountNamespace">Its mount namespace.</param>
    /// <param name="program">The program it exec'd.</param>
    /// <param name="stateAtExec">Its container as the runtime's state described it when the exec was read (null: none),
    /// for when the container is gone, state and all, by the time this runs.</param>
    private async Task RegisterExecAsync(int pid, ulong cgroupId, ulong mountNamespace, string program, Container? stateAtExec)
    {
        var resolved = true;
        try
        {
            if (IsRuntimeReexec(pid))
            {
                // Not the container's process yet: the cgroup stays pending, so the container's own exec is reported in turn.
                _logger.LogTrace("Pid {Pid} ({Program}) execs in its parent's mount namespace: a runtime's re-exec", pid, program);
                resolved = false;
                return;
            }
            var deadline = Environment.TickCount64 + (long)_stateWaitTimeout.TotalMilliseconds;
            Container? container = null;
            while (_registry.GetByCgroupId(cgroupId) is null && ProcessInspector.IsAlive(pid))
            {
                container = _scanner.FindForProcess(pid);
                if (container is not null || Environment.TickCount64 > deadline)
                {
                    break;
                }
                await Task.Delay(5, _stopping.Token).ConfigureAwait(false);
            }
            if (container is null && _registry.GetByCgroupId(cgroupId) is null && !ProcessInspector.IsAlive(pid))
            {
                // It ended before it was resolved (a container that crashes at start): its runtime's state still names it,
                // and the kernel said which cgroup and mount namespace it ran in. Registered, then removed with its status.
                container = (NewCgroupPath(cgroupId) is { } path ? _scanner.FindGone(pid, path, cgroupId, mountNamespace) : null) ?? stateAtExec;
                _logger.LogDebug("Pid {Pid} ({Program}, cgroup {CgroupId}) ended before it was resolved: {Container}", pid, program, cgroupId, container?.ToString() ?? "no runtime knows it");
            }
            else if (container is null && _registry.GetByCgroupId(cgroupId) is null)
            {
                _logger.LogDebug("No runtime state for pid {Pid} ({Program}, cgroup {CgroupId}) after {Timeout}: registering it by its cgroup", pid, program, cgroupId, _stateWaitTimeout);
                container = ContainerFactory.FromCgroup(pid);
            }
            if (container is not null)
            {
                _registry.Add(container, "exec in a new cgroup");
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Gadget.Containers failed to resolve pid {Pid} ({Program}) to its container", pid, program);
        }
        finally
        {
            lock (_resolving)
            {
                _resolving.Remove(cgroupId);
            }
            if (resolved && _disposed == 0)
            {
                ClearPending(cgroupId);
            }
        }
    }
}
