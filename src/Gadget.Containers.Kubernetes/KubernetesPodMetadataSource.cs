using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers.Kubernetes;

/// <summary>
/// The pods of one node as the Kubernetes API server knows them: lists them (<c>GET /api/v1/pods?fieldSelector=spec.nodeName=NODE</c>),
/// then watches them from the list's resource version, keeping a local cache by namespace/name that
/// <see cref="TryGetPod"/> reads without a network call. A closed watch is reopened from the last resource version; an
/// expired one (410 Gone) or any failure leads to a new list after a growing delay. Give it to a
/// <see cref="ContainerCollection"/> through <see cref="ContainerCollectionOptions.PodMetadataSource"/>: containerd pods,
/// whose CRI annotations carry no labels, then have their pod's labels and can be selected by them.
/// </summary>
public sealed class KubernetesPodMetadataSource : IPodMetadataSource, IAsyncDisposable, IDisposable
{
    private readonly IKubernetes _client;
    private readonly bool _ownsClient;
    private readonly KubernetesPodMetadataSourceOptions _options;
    private readonly ILogger _logger;
    private readonly string _fieldSelector;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Name), PodMetadata> _pods = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _lists;
    private long _watches;
    private int _disposed;

    /// <summary>Starts listing and watching the pods of <see cref="KubernetesPodMetadataSourceOptions.NodeName"/> through
    /// <paramref name="client"/> (which the source does not dispose) in the background.</summary>
    /// <exception cref="ArgumentException">The node name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A retry delay is not positive, the longest is shorter than the first, or
    /// the watch timeout is under a second.</exception>
    public KubernetesPodMetadataSource(IKubernetes client, KubernetesPodMetadataSourceOptions options)
        : this(client, options, ownsClient: false)
    {
    }

    private KubernetesPodMetadataSource(IKubernetes client, KubernetesPodMetadataSourceOptions options, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.NodeName, nameof(options));
        if (options.InitialRetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.InitialRetryDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Retry delays: the first ({options.InitialRetryDelay}) must be positive and not longer than the longest ({options.MaxRetryDelay}).");
        }
        if (options.WatchTimeout < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"WatchTimeout {options.WatchTimeout} is under the API server's 1 second granularity.");
        }
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _fieldSelector = "spec.nodeName=" + options.NodeName;
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Raised (on the source's background task) when a pod of the node appears, its labels, annotations or UID
    /// change, or it is deleted; <see cref="TryGetPod"/> already answers with the new state.</summary>
    public event EventHandler<PodMetadataChangedEventArgs>? PodChanged;

    /// <summary>Whether the code runs in a Kubernetes pod with a service account (<c>KUBERNETES_SERVICE_HOST</c> and the
    /// service account token are there), so that <see cref="StartInCluster"/> can work.</summary>
    public static bool IsInCluster => KubernetesClientConfiguration.IsInCluster();

    /// <summary>The node whose pods are followed.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>Whether the first list has succeeded (the cache holds the node's pods).</summary>
    public bool IsSynced => _synced.Task.IsCompletedSuccessfully;

    /// <summary>How many times the pods were listed (the first list and every re-list after an error or an expired watch).</summary>
    public long ListCount => Interlocked.Read(ref _lists);

    /// <summary>How many watches were opened.</summary>
    public long WatchCount => Interlocked.Read(ref _watches);

    /// <summary>The cached pods now.</summary>
    public IReadOnlyList<PodMetadata> Pods
    {
        get
        {
            lock (_gate)
            {
                return [.. _pods.Values];
            }
        }
    }

    /// <summary>Follows the pods of a node with the pod's service account (<see cref="KubernetesClientConfiguration.InClusterConfig"/>).</summary>
    /// <exception cref="k8s.Exceptions.KubeConfigException">Not in a cluster (see <see cref="IsInCluster"/>).</exception>
    public static KubernetesPodMetadataSource StartInCluster(KubernetesPodMetadataSourceOptions options) =>
        Start(KubernetesClientConfiguration.InClusterConfig(), options);

    /// <summary>Follows the pods of a node with the credentials of a kubeconfig file (its current context).</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="kubeconfigPath"/>.</exception>
    /// <exception cref="k8s.Exceptions.KubeConfigException">The file is not a usable kubeconfig.</exception>
    public static KubernetesPodMetadataSource StartFromKubeconfig(string kubeconfigPath, KubernetesPodMetadataSourceOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(kubeconfigPath);
        if (!File.Exists(kubeconfigPath))
        {
            throw new FileNotFoundException($"No kubeconfig file at '{kubeconfigPath}'.", kubeconfigPath);
        }
        return Start(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath), options);
    }

    /// <summary>Follows the pods of a node through a client made from <paramref name="configuration"/> (disposed with the source).</summary>
    public static KubernetesPodMetadataSource Start(KubernetesClientConfiguration configuration, KubernetesPodMetadataSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var client = new k8s.Kubernetes(configuration);
        try
        {
            return new KubernetesPodMetadataSource(client, options, ownsClient: true);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the first list has succeeded; it keeps retrying in the background, so bound the wait with
    /// <paramref name="cancellationToken"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled first.</exception>
    /// <exception cref="ObjectDisposedException">The source was disposed before the first list succeeded.</exception>
    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public bool TryGetPod(string @namespace, string name, string? uid, [NotNullWhen(true)] out PodMetadata? pod)
    {
        lock (_gate)
        {
            if (_pods.TryGetValue((@namespace, name), out pod) && (uid is null || pod.Uid is null || pod.Uid == uid))
            {
                return true;
            }
        }
        pod = null;
        return false;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _synced.TrySetException(new ObjectDisposedException(nameof(KubernetesPodMetadataSource)));
        _ = _synced.Task.Exception;
        if (_ownsClient)
        {
            _client.Dispose();
        }
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = _options.InitialRetryDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                delay = _options.InitialRetryDelay;
                while (!cancellationToken.IsCancellationRequested)
                {
                    resourceVersion = await WatchAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (WatchExpiredException e)
            {
                // Events were lost: list again at once (the cache is replaced, the differences reported).
                _logger.LogInformation("The watch of the pods of node {Node} expired ({Message}): listing them again", _options.NodeName, e.Message);
            }
            catch (Exception e)
            {
                var wait = delay * (1 + (0.2 * Random.Shared.NextDouble()));
                _logger.LogWarning(e, "Listing or watching the pods of node {Node} through the Kubernetes API failed ({Message}); retrying in {Delay:0.0} s", _options.NodeName, e.Message, wait.TotalSeconds);
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>Lists the node's pods, replaces the cache with them and reports the differences; returns the list's resource version.</summary>
    private async Task<string?> ListAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        var list = await _client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: _fieldSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var listed = new Dictionary<(string, string), PodMetadata>();
        foreach (var pod in list.Items ?? [])
        {
            if (ToMetadata(pod) is { } metadata)
            {
                listed[(metadata.Namespace, metadata.Name)] = metadata;
            }
        }
        var changes = new List<PodMetadataChangedEventArgs>();
        lock (_gate)
        {
            foreach (var (key, old) in _pods)
            {
                if (!listed.ContainsKey(key))
                {
                    changes.Add(new PodMetadataChangedEventArgs(old.Namespace, old.Name, old.Uid));
                }
            }
            foreach (var (key, pod) in listed)
            {
                if (!_pods.TryGetValue(key, out var old) || !SameMetadata(old, pod))
                {
                    changes.Add(new PodMetadataChangedEventArgs(pod));
                }
            }
            _pods.Clear();
            foreach (var (key, pod) in listed)
            {
                _pods[key] = pod;
            }
        }
        _logger.LogDebug("Listed {Count} pods of node {Node} (resource version {ResourceVersion}, {Changes} changes)", listed.Count, _options.NodeName, list.Metadata?.ResourceVersion, changes.Count);
        Raise(changes);
        _synced.TrySetResult();
        return list.Metadata?.ResourceVersion;
    }

    /// <summary>Watches the node's pods from <paramref name="resourceVersion"/> until the server closes the watch; returns the
    /// last resource version seen.</summary>
    /// <exception cref="WatchExpiredException">The server answered 410 Gone: the resource version is too old.</exception>
    private async Task<string?> WatchAsync(string? resourceVersion, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _watches);
        Exception? failure = null;
        var events = 0;
        try
        {
            await foreach (var (type, pod) in _client.CoreV1.WatchListPodForAllNamespacesAsync(
                allowWatchBookmarks: true,
                fieldSelector: _fieldSelector,
                resourceVersion: resourceVersion,
                timeoutSeconds: (int)Math.Min(int.MaxValue, _options.WatchTimeout.TotalSeconds),
                onError: e => failure ??= e,
                cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                events++;
                resourceVersion = pod?.Metadata?.ResourceVersion ?? resourceVersion;
                switch (type)
                {
                    case WatchEventType.Added:
                    case WatchEventType.Modified:
                        if (ToMetadata(pod) is { } metadata)
                        {
                            Upsert(metadata);
                        }
                        break;
                    case WatchEventType.Deleted:
                        if (ToMetadata(pod) is { } deleted)
                        {
                            Delete(deleted);
                        }
                        break;
                }
                if (failure is not null)
                {
                    break;
                }
            }
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.Gone)
        {
            throw new WatchExpiredException(e.Message, e);
        }
        if (failure is KubernetesException { Status.Code: 410 } gone)
        {
            throw new WatchExpiredException(gone.Message, gone);
        }
        if (failure is not null)
        {
            throw new KubernetesWatchException($"The watch of the pods of node {_options.NodeName} failed: {failure.Message}", failure);
        }
        _logger.LogDebug("The watch of the pods of node {Node} ended after {Events} events; watching again from {ResourceVersion}", _options.NodeName, events, resourceVersion);
        return resourceVersion;
    }

    private void Upsert(PodMetadata pod)
    {
        lock (_gate)
        {
            if (_pods.TryGetValue((pod.Namespace, pod.Name), out var old) && SameMetadata(old, pod))
            {
                return;
            }
            _pods[(pod.Namespace, pod.Name)] = pod;
        }
        Raise([new PodMetadataChangedEventArgs(pod)]);
    }

    private void Delete(PodMetadata pod)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue((pod.Namespace, pod.Name), out var old) || (pod.Uid is not null && old.Uid is not null && pod.Uid != old.Uid))
            {
                return;
            }
            _pods.Remove((pod.Namespace, pod.Name));
        }
        Raise([new PodMetadataChangedEventArgs(pod.Namespace, pod.Name, pod.Uid)]);
    }

    private void Raise(List<PodMetadataChangedEventArgs> changes)
    {
        if (PodChanged is not { } handler)
        {
            return;
        }
        foreach (var change in changes)
        {
            foreach (var single in handler.GetInvocationList().Cast<EventHandler<PodMetadataChangedEventArgs>>())
            {
                try
                {
                    single(this, change);
                }
                catch (Exception e)
                {
                    _logger.LogWarning(e, "A PodChanged handler failed for pod {Namespace}/{Pod}", change.Namespace, change.Name);
                }
            }
        }
    }

    private static PodMetadata? ToMetadata(V1Pod? pod)
    {
        if (pod?.Metadata is not { Name: { } name } metadata)
        {
            return null;
        }
        return new PodMetadata
        {
            Namespace = metadata.NamespaceProperty ?? "default",
            Name = name,
            Uid = metadata.Uid,
            Labels = new Dictionary<string, string>(metadata.Labels ?? new Dictionary<string, string>()),
            Annotations = new Dictionary<string, string>(metadata.Annotations ?? new Dictionary<string, string>()),
        };
    }

    private static bool SameMetadata(PodMetadata a, PodMetadata b) =>
        a.Uid == b.Uid && SameMap(a.Labels, b.Labels) && SameMap(a.Annotations, b.Annotations);

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
