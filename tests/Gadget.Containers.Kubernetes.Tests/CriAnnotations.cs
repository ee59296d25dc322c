namespace Gadget.Containers.Kubernetes.Tests;

/// <summary>The OCI annotations containerd's CRI plugin writes into a pod container's config.json: the pod's name, namespace
/// and UID and the container's name, but none of the pod's labels (only the API server knows them).</summary>
public static class CriAnnotations
{
    public static Dictionary<string, string> Containerd(string @namespace, string pod, string uid, string container) => new()
    {
        ["io.kubernetes.cri.container-type"] = "container",
        ["io.kubernetes.cri.sandbox-name"] = pod,
        ["io.kubernetes.cri.sandbox-namespace"] = @namespace,
        ["io.kubernetes.cri.sandbox-uid"] = uid,
        ["io.kubernetes.cri.container-name"] = container,
        ["io.kubernetes.cri.image-name"] = "docker.io/library/busybox:latest",
    };
}
