using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Gadget.Bpf;
using Gadget.Containers.Interop;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers;

/// <summary>
/// The running containers of this machine, kept up to date: lists them at start, then follows them as they come and go
/// (BPF cgroup and exec events, runtime state scans, and the OCI hook), raising <see cref="ContainerAdded"/> and
/// <see cref="ContainerRemoved"/>, and keeping the BPF maps of every <see cref="ContainerSelection"/> equal to the matching containers.
/// Lookups by pid, cgroup id and mount namespace are dictionary lookups.
/// </summary>
public sealed class ContainerCollection : IDisposable, IAsyncDisposable
{
    private const string BpfObjectResource = "containers.bpf.o";
    private readonly ContainerCollectionOptions _options;
    private readonly ILogger _logger;
    private readonly RuntimeStateReader _stateReader;
    private readonly object _gate = new();
    private readonly Dictionary<string, Container> _byId = [];
    private readonly Dictionary<ulong, Container> _byCgroupId = [];
    private readonly Dictionary<ulong, Container> _byMountNamespace = [];
    private readonly Dictionary<int, Container> _byPid = [];
    private readonly Dictionary<int, ContainerExitStatus> _recentExits = [];
    private readonly Dictionary<string, long> _goneSince = [];
    private readonly List<ContainerSelection> _selections = [];
    private readonly List<Channel<ContainerEventArgs>> _watchers = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly BpfObject? _bpf;
    private readonly BpfMap<ulong, byte>? _pendingCgroups;
    private readonly BpfMap<uint, byte>? _watchedPids;
    private readonly KernelEventPump? _poller;
    private readonly List<BpfLink> _links = [];
    private readonly Thread? _rescanThread;
    private readonly OciHookServer? _hookServer;
    private readonly ulong _hostMountNamespace;
    private int _disposed;

    /// <summary>Starts following containers: loads the BPF program (if enabled), lists running containers, starts the hook server (if asked).</summary>
    /// <exception cref="BpfException">The BPF program could not be loaded or attached (set <see cref="ContainerCollectionOptions.UseBpf"/> to false to do without).</exception>
    public ContainerCollection(ContainerCollectionOptions? options = null)
    {
        _options = options ?? new ContainerCollectionOptions();
        _logger = _options.Logger ?? NullLogger.Instance;
        _stateReader = new RuntimeStateReader(_options.RuncStateRoots);
        _hostMountNamespace = ProcessInspector.GetNamespaceId(Environment.ProcessId, "mnt");
        try
        {
            if (_options.PodMetadataSource is { } podSource)
            {
                // Before the first scan: a change that comes while a container is being built is then seen either by
                // Register's lookup or by OnPodChanged (both under _gate).
                podSource.PodChanged += OnPodChanged;
            }
            if (_options.UseBpf)
            {
                _bpf = BpfObject.FromEmbeddedResource(typeof(ContainerCollection).Assembly, BpfObjectResource);
                _bpf.SetGlobal("host_mnt_ns", (uint)_hostMountNamespace);
                _bpf.SetGlobal("hold_new_containers", _options.HoldNewContainers ? 1u : 0u);
                _bpf.Load();
                _pendingCgroups = _bpf.Map("pending_cgroups").As<ulong, byte>();
                _watchedPids = _bpf.Map("watched_pids").As<uint, byte>();
                _poller = new KernelEventPump(_bpf.Map("container_events"), OnKernelEvent, "gadget-containers-events");
                foreach (var program in _bpf.Programs)
                {
                    _links.Add(program.Attach());
                }
                IsEarlyDetectionActive = true;
            }
            Rescan();
            if (_options.HookSocketPath is not null)
            {
                _hookServer = new OciHookServer(_options.HookSocketPath, OnHook, _logger);
            }
            if (_options.RescanInterval != Timeout.InfiniteTimeSpan)
            {
                _rescanThread = new Thread(RescanLoop) { IsBackground = true, Name = "gadget-containers-rescan" };
                _rescanThread.Start();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Raised when a container is seen for the first time, after every selection's maps were updated. With
    /// <see cref="ContainerCollectionOptions.HoldNewContainers"/> a new container's process waits until the handlers return: keep them short.</summary>
    public event EventHandler<ContainerEventArgs>? ContainerAdded;

    /// <summary>Raised when a container's init process ended (or its cgroup was removed), after the selections were updated.</summary>
    public event EventHandler<ContainerEventArgs>? ContainerRemoved;

    /// <summary>Raised when a container's labels changed because its pod's labels did (reported by
    /// <see cref="ContainerCollectionOptions.PodMetadataSource"/>), after every selection was re-evaluated: the container
    /// joined the maps of the selections it matches now and left those it no longer matches.</summary>
    public event EventHandler<ContainerEventArgs>? ContainerUpdated;

    /// <summary>Whether the BPF program that reports new containers as they start is loaded and attached.</summary>
    public bool IsEarlyDetectionActive { get; }

    /// <summary>The Unix socket the OCI hook talks to, when the hook server runs.</summary>
    public string? HookSocketPath => _hookServer?.Path;

    /// <summary>The running containers now.</summary>
    public IReadOnlyList<Container> Containers
    {
        get
        {
            lock (_gate)
            {
                return [.. _byId.Values];
            }
        }
    }

    /// <summary>The container with this id, or null.</summary>
    public Container? GetById(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    /// <summary>The container whose cgroup2 id (<c>bpf_get_current_cgroup_id()</c>) is <paramref name="cgroupId"/>, or null.</summary>
    public Container? GetByCgroupId(ulong cgroupId)
    {
        lock (_gate)
        {
            return _byCgroupId.GetValueOrDefault(cgroupId);
        }
    }

    /// <summary>The container whose mount namespace inode is <paramref name="mountNamespaceId"/>, or null.</summary>
    public Container? GetByMountNamespace(ulong mountNamespaceId)
    {
        lock (_gate)
        {
            return _byMountNamespace.GetValueOrDefault(mountNamespaceId);
        }
    }

    /// <summary>The container process <paramref name="pid"/> runs in (its init or any other process), or null when it is in none or gone.</summary>
    public Container? GetByPid(int pid)
    {
        lock (_gate)
        {
            if (_byPid.TryGetValue(pid, out var init))
            {
                return init;
            }
        }
        var mountNamespace = ProcessInspector.GetNamespaceId(pid, "mnt");
        return mountNamespace == 0 ? null : GetByMountNamespace(mountNamespace);
    }

    /// <summary>Registers a tracer: two BPF maps that hold the cgroup ids and mount namespaces of the containers matching
    /// <paramref name="selector"/>, now and as containers come and go, until the selection is disposed.</summary>
    public ContainerSelection Select(ContainerSelector selector, ContainerSelectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var selection = new ContainerSelection(this, selector, options ?? new ContainerSelectionOptions());
        lock (_gate)
        {
            _selections.Add(selection);
            foreach (var container in _byId.Values)
            {
                selection.OnAdded(container);
            }
        }
        return selection;
    }

    /// <summary>The containers as a stream of changes: first every running container as Added, then each change as it happens.</summary>
    public async IAsyncEnumerable<ContainerEventArgs> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ContainerEventArgs>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (var container in _byId.Values)
            {
                channel.Writer.TryWrite(new ContainerEventArgs(ContainerEventKind.Added, container));
            }
            _watchers.Add(channel);
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

    /// <summary>Waits until a container matching <paramref name="predicate"/> is in the collection; returns it, or null after <paramref name="timeout"/>.</summary>
    public async Task<Container?> WaitForContainerAsync(Func<Container, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
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

    /// <summary>Checks the runtimes' state directories and the known init processes now: adds what is new, removes what is gone.</summary>
    public void Rescan()
    {
        if (_disposed != 0)
        {
            return;
        }
        foreach (var state in _stateReader.ScanAll())
        {
            bool known;
            lock (_gate)
            {
                known = _byId.ContainsKey(state.Id);
            }
            if (!known && ProcessInspector.IsAlive(state.Pid) && ContainerFactory.Create(state, PodIndex) is { } container)
            {
                Register(container, "runtime state");
            }
        }
        foreach (var container in Containers)
        {
            if (ProcessInspector.GetNamespaceId(container.Pid, "mnt") == container.MountNamespaceId)
            {
                continue;
            }
            // With BPF the init's exit (and its status) is on its way through the ring buffer: give it 2 seconds.
            bool goneLongEnough;
            lock (_gate)
            {
                var now = Environment.TickCount64;
                _goneSince.TryAdd(container.Id, now);
                goneLongEnough = _poller is null || now - _goneSince[container.Id] >= 2000;
            }
            if (goneLongEnough)
            {
                Remove(container, null, "init process gone");
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        if (_options.PodMetadataSource is { } podSource)
        {
            podSource.PodChanged -= OnPodChanged;
        }
        _hookServer?.Dispose();
        _rescanThread?.Join();
        // Detach first so no process is held any more, then let the poller handle what is left (continuing held processes).
        foreach (var link in _links)
        {
            link.Dispose();
        }
        _poller?.Dispose();
        _bpf?.Dispose();
        ContainerSelection[] selections;
        lock (_gate)
        {
            selections = [.. _selections];
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
        foreach (var selection in selections)
        {
            selection.Dispose();
        }
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal void Unregister(ContainerSelection selection)
    {
        lock (_gate)
        {
            _selections.Remove(selection);
        }
    }

    private int PodIndex(string kubernetesNamespace, string podName)
    {
        lock (_gate)
        {
            return _byId.Values.Count(c => c.Kubernetes is { IsSandbox: false } k && k.Namespace == kubernetesNamespace && k.PodName == podName);
        }
    }

    private Container Register(Container container, string source)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(container.Id, out var existing))
            {
                return existing;
            }
            if (_byCgroupId.TryGetValue(container.CgroupId, out existing))
            {
                return existing;
            }
            if (_options.PodMetadataSource is { } podSource && container.Kubernetes is { } pod)
            {
                // A dictionary lookup: the container may be held by the kernel right now.
                Guard(() => container.ApplyPodLabels(podSource.TryGetPod(pod.Namespace, pod.PodName, pod.PodUid, out var metadata) ? metadata.Labels : null), "look up pod metadata");
            }
            container.RegisteredAt = NativeMethods.BootTimeNanoseconds();
            _byId[container.Id] = container;
            _byCgroupId[container.CgroupId] = container;
            _byMountNamespace[container.MountNamespaceId] = container;
            _byPid[container.Pid] = container;
            _watchedPids?.Update((uint)container.Pid, 1);
            _logger.LogDebug("Container added ({Source}): {Container}", source, container);
            foreach (var selection in _selections)
            {
                Guard(() => selection.OnAdded(container), "update a selection");
            }
            var change = new ContainerEventArgs(ContainerEventKind.Added, container);
            Raise(ContainerAdded, change);
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(change);
            }
            // Only now may the kernel let the cgroup's processes exec without a hold: the selections are updated and
            // everyone was told, so a tracer has its maps ready before the container's first syscall.
            _pendingCgroups?.Delete(container.CgroupId);
            // The init process may have died before it was registered: its exit was reported before it was watched.
            if (!ProcessInspector.IsAlive(container.Pid))
            {
                Remove(container, _recentExits.GetValueOrDefault(container.Pid), "init process already gone");
            }
            return container;
        }
    }

    private void Remove(Container container, ContainerExitStatus? status, string reason)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(container.Id, out var known) || !ReferenceEquals(known, container))
            {
                return;
            }
            _byId.Remove(container.Id);
            _goneSince.Remove(container.Id);
            RemoveIfSame(_byCgroupId, container.CgroupId, container);
            RemoveIfSame(_byMountNamespace, container.MountNamespaceId, container);
            RemoveIfSame(_byPid, container.Pid, container);
            if (status is not null)
            {
                container.ExitStatus = status;
            }
            if (_disposed == 0)
            {
                Guard(() => _watchedPids?.Delete((uint)container.Pid), "unwatch a pid");
            }
            _logger.LogDebug("Container removed ({Reason}): {Container}, {Status}", reason, container, container.ExitStatus?.ToString() ?? "exit status unknown");
            foreach (var selection in _selections)
            {
                Guard(() => selection.OnRemoved(container), "update a selection");
            }
            var change = new ContainerEventArgs(ContainerEventKind.Removed, container);
            Raise(ContainerRemoved, change);
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(change);
            }
        }
    }

    /// <summary>The pod metadata source saw a pod appear or change: update its containers' labels and re-evaluate the selections.
    /// A deleted pod leaves its containers' labels as they were: they are ending, and tracers keep them until they are gone.</summary>
    private void OnPodChanged(object? sender, PodMetadataChangedEventArgs e)
    {
        if (e.Pod is not { } pod || _disposed != 0)
        {
            return;
        }
        lock (_gate)
        {
            foreach (var container in _byId.Values)
            {
                if (container.Kubernetes is not { } k || k.Namespace != pod.Namespace || k.PodName != pod.Name
                    || (k.PodUid is not null && pod.Uid is not null && k.PodUid != pod.Uid))
                {
                    continue;
                }
                if (!container.ApplyPodLabels(pod.Labels))
                {
                    continue;
                }
                _logger.LogDebug("Container labels updated from pod {Namespace}/{Pod}: {Container}", pod.Namespace, pod.Name, container);
                foreach (var selection in _selections)
                {
                    Guard(() => selection.OnUpdated(container), "update a selection");
                }
                var change = new ContainerEventArgs(ContainerEventKind.Updated, container);
                Raise(ContainerUpdated, change);
                foreach (var watcher in _watchers)
                {
                    watcher.Writer.TryWrite(change);
                }
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

    private void Raise(EventHandler<ContainerEventArgs>? handler, ContainerEventArgs change)
    {
        if (handler is null)
        {
            return;
        }
        foreach (var single in handler.GetInvocationList().Cast<EventHandler<ContainerEventArgs>>())
        {
            Guard(() => single(this, change), $"run a Container{change.Kind} handler");
        }
    }

    private void Guard(Action action, string what)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Gadget.Containers failed to {What}", what);
        }
    }

    private void OnKernelEvent(ReadOnlySpan<byte> record)
    {
        if (record.Length < Marshal.SizeOf<KernelContainerEvent>())
        {
            return;
        }
        var e = MemoryMarshal.Read<KernelContainerEvent>(record);
        Guard(() => Handle(e), "handle a kernel event");
    }

    private void Handle(in KernelContainerEvent e)
    {
        switch (e.Type)
        {
            case KernelContainerEvent.ExecHeld:
                _logger.LogTrace("Held at exec: pid {Pid} ({Program}), cgroup {CgroupId}", e.Pid, e.PathText, e.CgroupId);
                if (e.ExitCode != 0)
                {
                    _logger.LogWarning("The kernel could not stop pid {Pid} ({Program}) at its exec: bpf_send_signal gave {Errno}", e.Pid, e.PathText, Errno.Name(-(int)e.ExitCode));
                }
                OnExecHeld((int)e.Pid, e.CgroupId, e.PathText);
                break;
            case KernelContainerEvent.InitExit:
                var status = new ContainerExitStatus((int)e.ExitCode);
                Container? exited;
                lock (_gate)
                {
                    exited = _byPid.GetValueOrDefault((int)e.Pid);
                    if (exited is null)
                    {
                        _logger.LogDebug("Unregistered watched pid {Pid} ended: {Status}", e.Pid, status);
                        _recentExits[(int)e.Pid] = status;
                        if (_recentExits.Count > 1024)
                        {
                            _recentExits.Clear();
                        }
                    }
                }
                if (exited is not null)
                {
                    Remove(exited, status, "init process exited");
                }
                break;
            case KernelContainerEvent.CgroupRmdir:
                if (GetByCgroupId(e.CgroupId) is { } removed)
                {
                    Remove(removed, null, "cgroup removed");
                }
                break;
            case KernelContainerEvent.CgroupMkdir:
                _logger.LogTrace("cgroup created: {Path} (id {CgroupId}, level {Level})", e.PathText, e.CgroupId, e.HierarchyLevel);
                if (e.HierarchyLevel > 0)
                {
                    var path = e.PathText;
                    var cgroupId = e.CgroupId;
                    _ = Task.Run(() => WatchNewCgroup(path, cgroupId));
                }
                break;
        }
    }

    /// <summary>A process of a new cgroup exec'd in its own mount namespace and was stopped by the kernel: register its container, then let it go.</summary>
    private void OnExecHeld(int pid, ulong cgroupId, string program)
    {
        var resolved = true;
        try
        {
            if (GetByCgroupId(cgroupId) is not null)
            {
                return;
            }
            if (IsRuntimeReexec(pid))
            {
                // Not the container's process yet: the cgroup stays pending, so the container's own exec is held in turn.
                _logger.LogTrace("Held pid {Pid} ({Program}) execs in its parent's mount namespace: a runtime's re-exec, let go", pid, program);
                resolved = false;
                return;
            }
            var deadline = Environment.TickCount64 + (long)_options.StateWaitTimeout.TotalMilliseconds;
            Container? container = null;
            while (container is null && ProcessInspector.IsAlive(pid))
            {
                container = Resolve(pid);
                if (container is not null || Environment.TickCount64 > deadline)
                {
                    break;
                }
                Thread.Sleep(5);
            }
            if (container is null)
            {
                _logger.LogDebug("No runtime state for held pid {Pid} ({Program}, cgroup {CgroupId}, alive {Alive}, cgroup now {Cgroup}) after {Timeout}: registering it by its cgroup", pid, program, cgroupId, ProcessInspector.IsAlive(pid), ProcessInspector.GetCgroup2Path(pid), _options.StateWaitTimeout);
                container = ContainerFactory.FromCgroup(pid);
            }
            if (container is not null)
            {
                Register(container, "exec in a new cgroup");
            }
        }
        finally
        {
            if (resolved)
            {
                Guard(() => _pendingCgroups?.Delete(cgroupId), "clear a pending cgroup");
            }
            NativeMethods.kill(pid, NativeMethods.SigCont);
        }
    }

    /// <summary>
    /// Whether a held process is a container runtime re-executing itself (runc's <c>runc init</c>) rather than the container's
    /// first program: it still shares its parent's mount namespace. The kernel side skips execs in the collection's own mount
    /// namespace, which is the runtime's only when the collection runs in the host's; in a container of its own (a DaemonSet
    /// pod) every <c>runc init</c> is held too, and registering it would make its exit look like the container's.
    /// </summary>
    private static bool IsRuntimeReexec(int pid)
    {
        var mountNamespace = ProcessInspector.GetNamespaceId(pid, "mnt");
        var parent = ProcessInspector.GetParentPid(pid);
        return mountNamespace != 0 && parent > 0 && ProcessInspector.GetNamespaceId(parent, "mnt") == mountNamespace;
    }

    /// <summary>The container of <paramref name="pid"/> from its runtime's state, or null when no runtime knows it (yet).</summary>
    private Container? Resolve(int pid)
    {
        var cgroupPath = ProcessInspector.GetCgroup2Path(pid);
        if (cgroupPath is null)
        {
            return null;
        }
        var state = _stateReader.FindById(ContainerFactory.IdFromCgroupPath(cgroupPath));
        if (state is null || state.Pid != pid)
        {
            var absolute = ProcessInspector.AbsoluteCgroup2Path(cgroupPath);
            state = _stateReader.ScanAll().FirstOrDefault(s => s.Pid == pid || s.CgroupPaths.GetValueOrDefault(string.Empty) == absolute) ?? state;
        }
        return state is null ? null : ContainerFactory.Create(state, PodIndex);
    }

    private void OnHook(OciHookRequest request)
    {
        var state = request.State;
        if (request.Phase is "poststop")
        {
            if (GetById(state.Id) is { } stopped)
            {
                Remove(stopped, null, "poststop hook");
            }
            return;
        }
        var runtime = request.Runtime ?? ContainerRuntime.Runc;
        if (GetById(state.Id) is null && ContainerFactory.Create(state with { Runtime = runtime }, PodIndex) is { } container)
        {
            Register(container, request.Phase + " hook");
        }
    }

    /// <summary>A new cgroup2 directory: look for the runtime state of a container of that name for a while, so that a created
    /// container is registered as soon as its runtime has written its state, even before it starts.</summary>
    private async Task WatchNewCgroup(string cgroupPath, ulong cgroupId)
    {
        var id = ContainerFactory.IdFromCgroupPath(cgroupPath);
        var deadline = Environment.TickCount64 + (long)_options.StateWaitTimeout.TotalMilliseconds * 2;
        try
        {
            while (_disposed == 0 && Environment.TickCount64 < deadline && GetByCgroupId(cgroupId) is null)
            {
                if (_stateReader.FindById(id) is { } state && ProcessInspector.IsAlive(state.Pid))
                {
                    if (ContainerFactory.Create(state, PodIndex) is { } container && container.CgroupId == cgroupId)
                    {
                        Register(container, "runtime state of a new cgroup");
                    }
                    return;
                }
                await Task.Delay(10, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Gadget.Containers failed to watch new cgroup {Path}", cgroupPath);
        }
    }

    private void RescanLoop()
    {
        while (!_stopping.Token.WaitHandle.WaitOne(_options.RescanInterval))
        {
            Guard(Rescan, "rescan containers");
        }
    }
}
