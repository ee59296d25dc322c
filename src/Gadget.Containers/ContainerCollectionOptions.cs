using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>How a <see cref="ContainerCollection"/> finds containers.</summary>
public sealed record ContainerCollectionOptions
{
    /// <summary>
    /// Load the BPF program that reports new cgroup2 directories, processes that exec in a new cgroup inside a mount
    /// namespace of their own, container init exits (with their status) and removed cgroups (tp_btf/cgroup_mkdir,
    /// sched_process_exec, sched_process_exit, cgroup_rmdir). Without it, nothing reports exit statuses
    /// (<see cref="Container.ExitStatus"/> stays null). Default: true.
    /// </summary>
    public bool UseBpf { get; init; } = true;

    /// <summary>How often the runtimes' state directories and the known init processes are checked (a fallback for what the kernel
    /// did not report, and the only mechanism without BPF). Default: 1 second. <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Listen here (a Unix socket path) for the OCI hook (samples/Gadget.OciHook); null: no hook server.</summary>
    public string? HookSocketPath { get; init; }

    /// <summary>More runc <c>--root</c> directories to read container state from (besides /run/runc, /run/crun, /run/containerd/runc, /run/docker/runtime-runc).</summary>
    public IReadOnlyList<string> RuncStateRoots { get; init; } = [];

    /// <summary>How long the runtime's state of a process reported at its exec in a new cgroup is looked for before it is
    /// registered as a <see cref="ContainerRuntime.Cgroup"/> container. Default: 2 seconds.</summary>
    public TimeSpan StateWaitTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Where pod metadata the CRI annotations lack comes from (e.g. <c>KubernetesPodMetadataSource</c> of the
    /// Gadget.Containers.Kubernetes package, which watches the API server): its labels of a container's pod are merged into
    /// <see cref="KubernetesMetadata.PodLabels"/> and <see cref="Container.Labels"/> when the container is registered, and when
    /// the source reports a change the affected containers are updated, every selection re-evaluated and
    /// <see cref="ContainerCollection.ContainerUpdated"/> raised. The collection does not dispose it. Null: annotations only.
    /// </summary>
    public IPodMetadataSource? PodMetadataSource { get; init; }

    /// <summary>Where diagnostics go; null: nowhere.</summary>
    public ILogger? Logger { get; init; }
}
