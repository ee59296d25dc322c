namespace Gadget.Containers;

/// <summary>The software that created a container.</summary>
public enum ContainerRuntime
{
    /// <summary>Not identified: a process group found only by its cgroup and namespaces.</summary>
    Cgroup,

    /// <summary>runc used directly (its state under <c>/run/runc</c>).</summary>
    Runc,

    /// <summary>crun used directly (its state under <c>/run/crun</c>).</summary>
    Crun,

    /// <summary>containerd (state under <c>/run/containerd/runc/&lt;namespace&gt;</c>, or <c>io.kubernetes.cri.*</c> annotations).</summary>
    Containerd,

    /// <summary>CRI-O (<c>io.kubernetes.cri-o.*</c> annotations or a <c>crio-</c> cgroup).</summary>
    CriO,

    /// <summary>Docker (state under <c>/run/docker/runtime-runc</c> or a <c>docker</c> cgroup).</summary>
    Docker,

    /// <summary>Podman (a <c>libpod</c> cgroup or <c>io.podman.*</c> annotations).</summary>
    Podman,
}
