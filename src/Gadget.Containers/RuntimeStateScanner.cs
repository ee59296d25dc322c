using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// The runtimes' state directories as a source of containers (runc, crun, containerd, Docker): a full scan at start and
/// then periodically (adding what is new, and reporting the containers whose init process is gone), the state of one
/// process (for a process the kernel saw exec in a new cgroup), and the state of a new cgroup's container (polled for a
/// while after the kernel saw the cgroup created).
/// </summary>
internal sealed class RuntimeStateScanner : IDisposable
{
    private readonly ContainerRegistry _registry;
    private readonly RuntimeStateReader _reader;
    private readonly Action<Container, string> _initGone;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private TimeSpan _interval;
    private int _disposed;

    /// <param name="registry">Where found containers are added.</param>
    /// <param name="extraRuncRoots">More runc <c>--root</c> directories.</param>
    /// <param name="initGone">Told about a known container whose init process is gone (it decides when to remove it, and with which status).</param>
    /// <param name="logger">Where diagnostics go.</param>
    internal RuntimeStateScanner(ContainerRegistry registry, IEnumerable<string> extraRuncRoots, Action<Container, string> initGone, ILogger logger)
    {
        _registry = registry;
        _reader = new RuntimeStateReader(extraRuncRoots);
        _initGone = initGone;
        _logger = logger;
    }

    /// <summary>The runtimes' state directories that exist but this process may not list.</summary>
    internal IReadOnlyList<string> UnreadableRoots() => _reader.UnreadableRoots();

    internal bool HasOtherUsersRoots() => _reader.HasOtherUsersRoots();

    /// <summary>Adds the containers of the state directories that are not known yet (and whose init runs), and reports the
    /// known containers whose init process is gone (its mount namespace is not the container's any more).</summary>
    internal void Rescan()
    {
        if (_disposed != 0)
        {
            return;
        }
        foreach (var state in _reader.ScanAll())
        {
            if (_registry.GetById(state.Id) is null && ProcessInspector.IsAlive(state.Pid) && Create(state) is { } container)
            {
                _registry.Add(container, "runtime state");
            }
        }
        foreach (var container in _registry.Containers)
        {
            if (ProcessInspector.GetNamespaceId(container.Pid, "mnt") != container.MountNamespaceId)
            {
                _initGone(container, "init process gone");
            }
        }
    }

    /// <summary>Rescans every <paramref name="interval"/> on a thread of its own, until disposed.</summary>
    internal void StartPeriodicRescan(TimeSpan interval)
    {
        _interval = interval;
        _thread = new Thread(RescanLoop) { IsBackground = true, Name = "gadget-containers-rescan" };
        _thread.Start();
    }

    /// <summary>The container of process <paramref name="pid"/> from its runtime's state (the state whose init it is, or
    /// whose cgroup it is in), or null when no runtime knows it (yet).</summary>
    internal Container? FindForProcess(int pid)
    {
        var cgroupPath = ProcessInspector.GetCgroup2Path(pid);
        if (cgroupPath is null)
        {
            return null;
        }
        var state = _reader.FindById(ContainerFactory.IdFromCgroupPath(cgroupPath));
        if (state is null || state.Pid != pid)
        {
            var absolute = ProcessInspector.AbsoluteCgroup2Path(cgroupPath);
            state = _reader.ScanAll().FirstOrDefault(s => s.Pid == pid || s.CgroupPaths.GetValueOrDefault(string.Empty) == absolute) ?? state;
        }
        return state is null ? null : Create(state);
    }

    /// <summary>A new cgroup2 directory: looks for the runtime state of a container of that name for up to
    /// <paramref name="timeout"/>, so that a created container is registered as soon as its runtime has written its state,
    /// even before it starts.</summary>
    internal async Task WatchNewCgroupAsync(string cgroupPath, ulong cgroupId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = ContainerFactory.IdFromCgroupPath(cgroupPath);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        try
        {
            while (_disposed == 0 && Environment.TickCount64 < deadline && _registry.GetByCgroupId(cgroupId) is null)
            {
                if (_reader.FindById(id) is { } state && ProcessInspector.IsAlive(state.Pid))
                {
                    if (Create(state) is { } container && container.CgroupId == cgroupId)
                    {
                        _registry.Add(container, "runtime state of a new cgroup");
                    }
                    return;
                }
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The container of cgroup <paramref name="cgroupPath"/> whose init <paramref name="pid"/> has ended already, from its
    /// runtime's state (kept until the container is deleted) and what the kernel reported; null when no runtime knows it.</summary>
    internal Container? FindGone(int pid, string cgroupPath, ulong cgroupId, ulong mountNamespace) =>
        _reader.FindById(ContainerFactory.IdFromCgroupPath(cgroupPath)) is { } state && state.Pid == pid
            ? ContainerFactory.CreateGone(state, cgroupPath, cgroupId, mountNamespace, _registry.CountPodContainers)
            : null;

    /// <summary>The container <paramref name="state"/> describes (with its index in its pod), or null when its init is gone.</summary>
    internal Container? Create(RuntimeState state) => ContainerFactory.Create(state, _registry.CountPodContainers);

    /// <summary>Stops the periodic rescans (waiting for the one running).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        if (_thread is not null && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _stopping.Dispose();
    }

    private void RescanLoop()
    {
        while (!_stopping.Token.WaitHandle.WaitOne(_interval))
        {
            Guard.Run(_logger, Rescan, "rescan containers");
        }
    }
}
