namespace Gadget.Containers;

/// <summary>A running (or just ended) container: who made it, its init process, its cgroup and its namespaces.</summary>
public sealed class Container
{
    private ContainerExitStatus? _exitStatus;
    private IReadOnlyDictionary<string, string> _labels = new Dictionary<string, string>();
    private KubernetesMetadata? _kubernetes;

    /// <summary>The runtime that created the container.</summary>
    public required ContainerRuntime Runtime { get; init; }

    /// <summary>The container's id as its runtime knows it.</summary>
    public required string Id { get; init; }

    /// <summary>The container's name: the Kubernetes container name, a name annotation, or else the id.</summary>
    public required string Name { get; init; }

    /// <summary>The host pid of the container's init process.</summary>
    public required int Pid { get; init; }

    /// <summary>The cgroup2 directory relative to the cgroup2 root (e.g. <c>/mycontainer</c>).</summary>
    public required string CgroupPath { get; init; }

    /// <summary>The cgroup directories of the container, by controller (<c>""</c> is cgroup2), as absolute paths.</summary>
    public IReadOnlyDictionary<string, string> CgroupPaths { get; init; } = new Dictionary<string, string>();

    /// <summary>The cgroup2 id: the inode of its cgroup2 directory, what <c>bpf_get_current_cgroup_id()</c> returns inside.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The inode of the container's mount namespace (<c>/proc/&lt;pid&gt;/ns/mnt</c>).</summary>
    public required ulong MountNamespaceId { get; init; }

    /// <summary>The inode of the container's pid namespace.</summary>
    public ulong PidNamespaceId { get; init; }

    /// <summary>The inode of the container's UTS namespace.</summary>
    public ulong UtsNamespaceId { get; init; }

    /// <summary>The inode of the container's network namespace.</summary>
    public ulong NetNamespaceId { get; init; }

    /// <summary>The OCI bundle directory, when known.</summary>
    public string? Bundle { get; init; }

    /// <summary>The OCI annotations of the container's config.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The container's labels: the runtime's labels (for runc, its annotations) and, in Kubernetes, the pod's labels
    /// (see <see cref="KubernetesMetadata.PodLabels"/>). With an <see cref="IPodMetadataSource"/> they change when the pod's
    /// labels change (<see cref="ContainerCollection.ContainerUpdated"/>).</summary>
    public IReadOnlyDictionary<string, string> Labels
    {
        get => Volatile.Read(ref _labels);
        init => _labels = value;
    }

    /// <summary>Kubernetes pod metadata, when the container belongs to a pod. With an <see cref="IPodMetadataSource"/> it is
    /// replaced when the pod's labels change (<see cref="ContainerCollection.ContainerUpdated"/>).</summary>
    public KubernetesMetadata? Kubernetes
    {
        get => Volatile.Read(ref _kubernetes);
        init => _kubernetes = value;
    }

    /// <summary>Whether <see cref="Id"/> is only its cgroup directory's name (no runtime knew it): a name whoever made the
    /// cgroup chose, which gives way to a runtime's container of that id.</summary>
    internal bool IdFromCgroupName { get; init; }

    /// <summary>The labels before any pod label was merged in: the runtime's labels (or annotations).</summary>
    internal IReadOnlyDictionary<string, string> RuntimeLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>The pod labels the runtime's annotations carried (CRI-O), before any from an <see cref="IPodMetadataSource"/>.</summary>
    internal IReadOnlyDictionary<string, string> AnnotationPodLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>When the collection registered the container (CLOCK_BOOTTIME nanoseconds, the clock of <c>bpf_ktime_get_boot_ns()</c>).</summary>
    public ulong RegisteredAt { get; internal set; }

    /// <summary>How the container's init process ended, as the kernel reported it; null while it runs, and when the kernel did
    /// not report it (without BPF, or when the init ended before the collection watched it): unknown, never made up.</summary>
    public ContainerExitStatus? ExitStatus
    {
        get => _exitStatus;
        internal set => _exitStatus = value;
    }

    /// <summary>Merges <paramref name="podLabels"/> (a source's labels of the pod; null: none known) over the annotations' pod
    /// labels and the runtime's labels; returns whether <see cref="Labels"/> or <see cref="KubernetesMetadata.PodLabels"/> changed.</summary>
    internal bool ApplyPodLabels(IReadOnlyDictionary<string, string>? podLabels)
    {
        if (Kubernetes is not { } kubernetes)
        {
            return false;
        }
        var merged = new Dictionary<string, string>(AnnotationPodLabels);
        foreach (var (key, value) in podLabels ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }
        var labels = new Dictionary<string, string>(RuntimeLabels);
        foreach (var (key, value) in merged)
        {
            labels[key] = value;
        }
        if (SameLabels(merged, kubernetes.PodLabels) && SameLabels(labels, Labels))
        {
            return false;
        }
        Volatile.Write(ref _kubernetes, kubernetes with { PodLabels = merged });
        Volatile.Write(ref _labels, labels);
        return true;
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Runtime} container '{Name}' ({Id}), pid {Pid}, cgroup {CgroupPath} (id {CgroupId}), mntns {MountNamespaceId}" +
        (Kubernetes is { } k ? $", pod {k.Namespace}/{k.PodName}" : string.Empty);
}
