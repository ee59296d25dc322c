using Gadget.Containers.Kubernetes;
using k8s.Exceptions;

namespace Gadget.Agent;

/// <summary>
/// Where the agent gets pod labels from: the Kubernetes API server (a <see cref="KubernetesPodMetadataSource"/> following this
/// node's pods) when it runs in a cluster or is given <c>--kubeconfig PATH</c>, or the CRI annotations only
/// (<c>--kubernetes off</c>, no cluster, no node name, or an unusable kubeconfig).
/// </summary>
public static class PodLabels
{
    /// <summary>Starts the API source that <paramref name="configuration"/> asks for (<c>--kubernetes auto|off</c>,
    /// <c>--kubeconfig PATH</c>, <c>--node NAME</c> or the <c>NODE_NAME</c> environment variable); null when there is none,
    /// after saying why in the log.</summary>
    public static KubernetesPodMetadataSource? Start(IConfiguration configuration, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger("Gadget.Agent.PodLabels");
        var mode = configuration["kubernetes"] ?? "auto";
        if (mode is "off" or "false" or "none")
        {
            logger.LogInformation("Kubernetes API disabled (--kubernetes {Mode}): pod labels come from CRI annotations only", mode);
            return null;
        }
        if (mode is not ("auto" or "on" or "true"))
        {
            throw new ArgumentException($"--kubernetes {mode}: expected auto or off.", nameof(configuration));
        }
        var kubeconfig = configuration["kubeconfig"];
        if (kubeconfig is null && !KubernetesPodMetadataSource.IsInCluster)
        {
            logger.LogInformation("Not in a Kubernetes pod and no --kubeconfig: pod labels come from CRI annotations only (containerd pods have none there)");
            return null;
        }
        var node = configuration["node"] ?? Environment.GetEnvironmentVariable("NODE_NAME");
        if (string.IsNullOrWhiteSpace(node))
        {
            logger.LogWarning("No node name (NODE_NAME from the DaemonSet's spec.nodeName, or --node NAME): pod labels come from CRI annotations only");
            return null;
        }
        var options = new KubernetesPodMetadataSourceOptions { NodeName = node, Logger = loggers.CreateLogger<KubernetesPodMetadataSource>() };
        KubernetesPodMetadataSource source;
        try
        {
            source = kubeconfig is null
                ? KubernetesPodMetadataSource.StartInCluster(options)
                : KubernetesPodMetadataSource.StartFromKubeconfig(kubeconfig, options);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or FormatException or UriFormatException)
        {
            logger.LogWarning(e, "Cannot use the Kubernetes API ({Message}): pod labels come from CRI annotations only", e.Message);
            return null;
        }
        logger.LogInformation("Following the pods of node {Node} through the Kubernetes API ({Config}) for their labels", node, kubeconfig ?? "in-cluster service account");
        _ = source.WaitForSyncAsync().ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    logger.LogInformation("Kubernetes API: {Count} pods on node {Node}", source.Pods.Count, node);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return source;
    }
}
