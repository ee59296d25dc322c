using System.Text.Json;

namespace Gadget.Containers;

/// <summary>Builds <see cref="Container"/>s from runtime state and what <c>/proc</c> says about the init process.</summary>
internal static class ContainerFactory
{
    /// <summary>The container described by <paramref name="state"/>, or null if its init process is gone.</summary>
    internal static Container? Create(RuntimeState state, Func<string, string, int>? podIndex = null)
    {
        var pid = state.Pid;
        var cgroupPath = ProcessInspector.GetCgroup2Path(pid);
        if (cgroupPath is null)
        {
            return null;
        }
        var mountNamespace = ProcessInspector.GetNamespaceId(pid, "mnt");
        var cgroupId = ProcessInspector.GetCgroupId(cgroupPath);
        if (mountNamespace == 0 || cgroupId == 0)
        {
            return null;
        }
        var container = Build(state, podIndex, cgroupPath, cgroupId, mountNamespace, alive: true);
        // The pid may have been reused between the reads: the namespace must still be the same process's.
        return ProcessInspector.GetNamespaceId(pid, "mnt") == mountNamespace ? container : null;
    }

    /// <summary>
    /// The container described by <paramref name="state"/> whose init process is gone already (it ended before it could be
    /// resolved: a container that crashes at start), from what the kernel reported while it ran: its cgroup and its mount
    /// namespace. Its other namespaces are unknown (0).
    /// </summary>
    internal static Container CreateGone(RuntimeState state, string cgroupPath, ulong cgroupId, ulong mountNamespace, Func<string, string, int>? podIndex = null) =>
        Build(state, podIndex, cgroupPath, cgroupId, mountNamespace, alive: false);

    private static Container Build(RuntimeState state, Func<string, string, int>? podIndex, string cgroupPath, ulong cgroupId, ulong mountNamespace, bool alive)
    {
        var pid = state.Pid;
        var annotations = new Dictionary<string, string>(state.Annotations ?? RuntimeStateReader.ReadBundleAnnotations(state.Bundle));
        foreach (var (key, value) in state.Labels)
        {
            annotations.TryAdd(key, value);
        }
        var kubernetes = KubernetesFrom(annotations, podIndex);
        var labels = new Dictionary<string, string>(state.Labels.Count > 0 ? state.Labels : annotations);
        if (kubernetes is not null)
        {
            foreach (var (key, value) in kubernetes.PodLabels)
            {
                labels[key] = value;
            }
        }
        var cgroupPaths = new Dictionary<string, string>(state.CgroupPaths);
        if (cgroupPaths.Count == 0)
        {
            cgroupPaths[string.Empty] = ProcessInspector.AbsoluteCgroup2Path(cgroupPath);
            foreach (var (controllers, path) in alive ? ProcessInspector.GetCgroup1Paths(pid) : new Dictionary<string, string>())
            {
                cgroupPaths[controllers] = "/sys/fs/cgroup/" + controllers.Replace("name=", string.Empty, StringComparison.Ordinal) + path;
            }
        }
        return new Container
        {
            Runtime = RefineRuntime(state.Runtime, annotations, cgroupPath),
            Id = state.Id,
            Name = NameFrom(annotations, kubernetes) ?? state.Id,
            Pid = pid,
            CgroupPath = cgroupPath,
            CgroupPaths = cgroupPaths,
            CgroupId = cgroupId,
            MountNamespaceId = mountNamespace,
            PidNamespaceId = alive ? ProcessInspector.GetNamespaceId(pid, "pid") : 0,
            UtsNamespaceId = alive ? ProcessInspector.GetNamespaceId(pid, "uts") : 0,
            NetNamespaceId = alive ? ProcessInspector.GetNamespaceId(pid, "net") : 0,
            Bundle = state.Bundle,
            Annotations = annotations,
            Labels = labels,
            RuntimeLabels = new Dictionary<string, string>(state.Labels.Count > 0 ? state.Labels : annotations),
            AnnotationPodLabels = kubernetes?.PodLabels ?? new Dictionary<string, string>(),
            Kubernetes = kubernetes,
            IdFromCgroupName = state.Runtime == ContainerRuntime.Cgroup,
        };
    }

    /// <summary>A container known only by its cgroup: id and name are the cgroup directory's name.</summary>
    internal static Container? FromCgroup(int pid)
    {
        var cgroupPath = ProcessInspector.GetCgroup2Path(pid);
        if (cgroupPath is null or "/")
        {
            return null;
        }
        var id = IdFromCgroupPath(cgroupPath);
        return Create(new RuntimeState(ContainerRuntime.Cgroup, id, pid, null, new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, string>()));
    }

    /// <summary>The likely container id in a cgroup path: the last component without runtime prefixes and <c>.scope</c>.</summary>
    internal static string IdFromCgroupPath(string cgroupPath)
    {
        var name = cgroupPath.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".scope", StringComparison.Ordinal))
        {
            name = name[..^6];
        }
        foreach (var prefix in (string[])["cri-containerd-", "crio-", "docker-", "libpod-", "containerd-"])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name[prefix.Length..];
            }
        }
        return name;
    }

    private static ContainerRuntime RefineRuntime(ContainerRuntime runtime, Dictionary<string, string> annotations, string cgroupPath)
    {
        if (annotations.Keys.Any(k => k.StartsWith("io.kubernetes.cri-o.", StringComparison.Ordinal)) || cgroupPath.Contains("/crio-", StringComparison.Ordinal))
        {
            return ContainerRuntime.CriO;
        }
        if (annotations.Keys.Any(k => k.StartsWith("io.kubernetes.cri.", StringComparison.Ordinal)) || cgroupPath.Contains("cri-containerd-", StringComparison.Ordinal))
        {
            return ContainerRuntime.Containerd;
        }
        if (annotations.Keys.Any(k => k.StartsWith("io.podman.", StringComparison.Ordinal)) || cgroupPath.Contains("libpod", StringComparison.Ordinal))
        {
            return ContainerRuntime.Podman;
        }
        if (cgroupPath.Contains("/docker", StringComparison.Ordinal))
        {
            return ContainerRuntime.Docker;
        }
        return runtime;
    }

    private static string? NameFrom(Dictionary<string, string> annotations, KubernetesMetadata? kubernetes) =>
        kubernetes?.ContainerName
        ?? annotations.GetValueOrDefault("nerdctl/name")
        ?? annotations.GetValueOrDefault("io.podman.annotations.name")
        ?? annotations.GetValueOrDefault("org.opencontainers.container.name");

    internal static KubernetesMetadata? KubernetesFrom(IReadOnlyDictionary<string, string> annotations, Func<string, string, int>? podIndex)
    {
        // containerd's CRI plugin
        if (annotations.TryGetValue("io.kubernetes.cri.sandbox-name", out var podName) && annotations.TryGetValue("io.kubernetes.cri.sandbox-namespace", out var ns))
        {
            var sandbox = annotations.GetValueOrDefault("io.kubernetes.cri.container-type") == "sandbox";
            return new KubernetesMetadata
            {
                PodName = podName,
                Namespace = ns,
                ContainerName = sandbox ? null : annotations.GetValueOrDefault("io.kubernetes.cri.container-name"),
                PodUid = annotations.GetValueOrDefault("io.kubernetes.cri.sandbox-uid"),
                IsSandbox = sandbox,
                ContainerIndex = sandbox || podIndex is null ? 0 : podIndex(ns, podName),
            };
        }
        // CRI-O (and the kubelet's own annotations)
        if (annotations.TryGetValue("io.kubernetes.pod.name", out podName) && annotations.TryGetValue("io.kubernetes.pod.namespace", out ns))
        {
            var containerName = annotations.GetValueOrDefault("io.kubernetes.container.name");
            var sandbox = annotations.GetValueOrDefault("io.kubernetes.cri-o.ContainerType") == "sandbox" || containerName == "POD";
            var podLabels = new Dictionary<string, string>();
            if (annotations.TryGetValue("io.kubernetes.cri-o.Labels", out var labelsJson))
            {
                try
                {
                    using var document = JsonDocument.Parse(labelsJson);
                    foreach (var (key, value) in RuntimeStateReader.StringMap(document.RootElement))
                    {
                        if (!key.StartsWith("io.kubernetes.", StringComparison.Ordinal))
                        {
                            podLabels[key] = value;
                        }
                    }
                }
                catch (JsonException)
                {
                }
            }
            return new KubernetesMetadata
            {
                PodName = podName,
                Namespace = ns,
                ContainerName = sandbox ? null : containerName,
                PodUid = annotations.GetValueOrDefault("io.kubernetes.pod.uid"),
                IsSandbox = sandbox,
                PodLabels = podLabels,
                ContainerIndex = sandbox || podIndex is null ? 0 : podIndex(ns, podName),
            };
        }
        return null;
    }
}
