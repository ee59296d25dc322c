namespace Gadget.Containers.Tests;

/// <summary>Plain <see cref="Container"/> objects for tests that need no kernel (the registry, selections, pod labels).</summary>
internal static class TestContainers
{
    /// <summary>A container whose cgroup id, mount namespace and pid are derived from <paramref name="n"/> unless given.</summary>
    internal static Container Make(
        string id,
        int n,
        ulong? cgroupId = null,
        ulong? mountNamespaceId = null,
        int? pid = null,
        IReadOnlyDictionary<string, string>? labels = null,
        KubernetesMetadata? kubernetes = null) => new()
        {
            Runtime = kubernetes is null ? ContainerRuntime.Runc : ContainerRuntime.Containerd,
            Id = id,
            Name = id,
            Pid = pid ?? 1000 + n,
            CgroupPath = "/" + id,
            CgroupId = cgroupId ?? 5000 + (ulong)n,
            MountNamespaceId = mountNamespaceId ?? 4_026_531_000 + (ulong)n,
            Labels = labels ?? new Dictionary<string, string>(),
            RuntimeLabels = labels ?? new Dictionary<string, string>(),
            Kubernetes = kubernetes,
        };

    /// <summary>A container of pod <paramref name="pod"/> in namespace <paramref name="ns"/> (with that pod UID).</summary>
    internal static Container InPod(string id, int n, string ns, string pod, string? uid, bool sandbox = false, ulong? mountNamespaceId = null) =>
        Make(id, n, mountNamespaceId: mountNamespaceId, kubernetes: new KubernetesMetadata { Namespace = ns, PodName = pod, PodUid = uid, ContainerName = sandbox ? null : id, IsSandbox = sandbox });
}
