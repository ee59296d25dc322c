using System.Runtime.CompilerServices;
using Gadget.Bpf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers;

/// <summary>
/// The running containers of this machine, kept up to date: lists them at start, then follows them as they come and go
/// (BPF cgroup and exec events, runtime state scans, and the OCI hook), raising <see cref="ContainerAdded"/> and
/// <see cref="ContainerRemoved"/>, and keeping the BPF maps of every <see cref="ContainerSelection"/> equal to the matching containers.
/// Lookups by pid, cgroup id and mount namespace are dictionary lookups.
/// </summary>
/// <remarks>
/// A registry of the containers (indexes, events, selections) fed by separate sources: the kernel's events, the runtimes'
/// state directories (at start and every <see cref="ContainerCollectionOptions.RescanInterval"/>), the OCI hook server and
/// the pod metadata source. A container's <see cref="Container.ExitStatus"/> is what the kernel reported for its init
/// process; it stays null when the kernel did not report it (without BPF, or when the init ended before it was watched).
/// </remarks>
public sealed class ContainerCollection : IDisposable, IAsyncDisposable
{
    private readonly ContainerRegistry _registry;
    private readonly RuntimeStateScanner _scanner;
    private readonly PodMetadataMerger? _pods;
    private readonly KernelEventSource? _kernel;
    private readonly OciHookServer? _hookServer;
    private int _disposed;

    /// <summary>The kernel's source of container events, when BPF is used (tests read its counters).</summary>
    internal KernelEventSource? Kernel => _kernel;

    /// <summary>Starts following containers: loads the BPF program (if enabled), lists running containers, starts the hook server (if asked).</summary>
    /// <exception cref="BpfException">The BPF program could not be loaded or attached (set <see cref="ContainerCollectionOptions.UseBpf"/> to false to do without).</exception>
    /// <exception cref="BpfPermissionException">This process could not see other users' containers: a runtime's state directory
    /// is not readable (needs CAP_DAC_READ_SEARCH), or other processes' namespaces are not (needs CAP_SYS_PTRACE).</exception>
    public ContainerCollection(ContainerCollectionOptions? options = null)
    {
        options ??= new ContainerCollectionOptions();
        var logger = options.Logger ?? NullLogger.Instance;
        _registry = new ContainerRegistry(this, logger);
        _scanner = new RuntimeStateScanner(_registry, options.RuncStateRoots, OnInitGone, logger);
        try
        {
            ContainerAccess.ThrowIfBlind(_scanner.UnreadableRoots(), _scanner.HasOtherUsersRoots());
            if (options.PodMetadataSource is { } podSource)
            {
                // Before the first scan: a change that comes while a container is being added is then seen either by the
                // lookup at its registration or as an update (both under the registry's lock).
                _pods = new PodMetadataMerger(podSource, _registry, logger);
                _registry.Preparing = _pods.Apply;
            }
            if (options.UseBpf)
            {
                _kernel = new KernelEventSource(_registry, _scanner, options, logger);
            }
            else
            {
                // Nobody reports exits: a container whose init ended before it was added is gone, its status unknown.
                _registry.Registered += c =>
                {
                    if (!ProcessInspector.IsAlive(c.Pid))
                    {
                        _registry.Remove(c, null, "init process already gone");
                    }
                };
            }
            _scanner.Rescan();
            if (options.HookSocketPath is not null)
            {
                _hookServer = new OciHookServer(options.HookSocketPath, _registry, OnInitGone, logger);
            }
            if (options.RescanInterval != Timeout.InfiniteTimeSpan)
            {
                _scanner.StartPeriodicRescan(options.RescanInterval);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Raised when a container is seen for the first time, after every selection's maps were updated. Its processes
    /// run on meanwhile (nothing is held): handlers run on the collection's event thread, keep them short.</summary>
    public event EventHandler<ContainerEventArgs>? ContainerAdded
    {
        add => _registry.Added += value;
        remove => _registry.Added -= value;
    }

    /// <summary>Raised when a container's init process ended (or its cgroup was removed), after the selections were updated;
    /// <see cref="Container.ExitStatus"/> is how the kernel reported the init's end, or null when it did not.</summary>
    public event EventHandler<ContainerEventArgs>? ContainerRemoved
    {
        add => _registry.Removed += value;
        remove => _registry.Removed -= value;
    }

    /// <summary>Raised when a container's labels changed because its pod's labels did (reported by
    /// <see cref="ContainerCollectionOptions.PodMetadataSource"/>), after every selection was re-evaluated: the container
    /// joined the maps of the selections it matches now and left those it no longer matches.</summary>
    public event EventHandler<ContainerEventArgs>? ContainerUpdated
    {
        add => _registry.Updated += value;
        remove => _registry.Updated -= value;
    }

    /// <summary>Whether the BPF program that reports new containers as they start is loaded and attached.</summary>
    public bool IsEarlyDetectionActive => _kernel is not null;

    /// <summary>The Unix socket the OCI hook talks to, when the hook server runs.</summary>
    public string? HookSocketPath => _hookServer?.Path;

    /// <summary>The running containers now.</summary>
    public IReadOnlyList<Container> Containers => _registry.Containers;

    /// <summary>The container with this id, or null.</summary>
    public Container? GetById(string id) => _registry.GetById(id);

    /// <summary>The container whose cgroup2 id (<c>bpf_get_current_cgroup_id()</c>) is <paramref name="cgroupId"/>, or null.</summary>
    public Container? GetByCgroupId(ulong cgroupId) => _registry.GetByCgroupId(cgroupId);

    /// <summary>The container whose mount namespace inode is <paramref name="mountNamespaceId"/>, or null.</summary>
    public Container? GetByMountNamespace(ulong mountNamespaceId) => _registry.GetByMountNamespace(mountNamespaceId);

    /// <summary>The container process <paramref name="pid"/> runs in (its init or any other process), or null when it is in none or gone.</summary>
    public Container? GetByPid(int pid)
    {
        if (_registry.GetByInitPid(pid) is { } init)
        {
            return init;
        }
        var mountNamespace = ProcessInspector.GetNamespaceId(pid, "mnt");
        return mountNamespace == 0 ? null : _registry.GetByMountNamespace(mountNamespace);
    }

    /// <summary>Registers a tracer: two BPF maps that hold the cgroup ids and mount namespaces of the containers matching
    /// <paramref name="selector"/>, now and as containers come and go, until the selection is disposed.</summary>
    public ContainerSelection Select(ContainerSelector selector, ContainerSelectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new ContainerSelection(_registry, selector, options ?? new ContainerSelectionOptions());
    }

    /// <summary>The containers as a stream of changes: first every running container as Added, then each change as it happens.</summary>
    public async IAsyncEnumerable<ContainerEventArgs> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in _registry.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
    }

    /// <summary>Waits until a container matching <paramref name="predicate"/> is in the collection; returns it, or null after <paramref name="timeout"/>.</summary>
    public Task<Container?> WaitForContainerAsync(Func<Container, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _registry.WaitForContainerAsync(predicate, timeout, cancellationToken);
    }

    /// <summary>Checks the runtimes' state directories and the known init processes now: adds what is new, removes what is gone
    /// (with BPF, a container whose init is gone is removed when the kernel's report of its exit is read, or after 2 s without one).</summary>
    public void Rescan()
    {
        if (_disposed == 0)
        {
            _scanner.Rescan();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _pods?.Dispose();
        _hookServer?.Dispose();
        _scanner.Dispose();
        _kernel?.Dispose();
        _registry.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A source saw a container's init process gone: the kernel source removes it with the status it reported;
    /// without one, nobody reports exits, and it is removed now with no status.</summary>
    private void OnInitGone(Container container, string reason)
    {
        if (_kernel is { } kernel)
        {
            kernel.OnInitGone(container, reason);
        }
        else
        {
            _registry.Remove(container, null, reason);
        }
    }
}
