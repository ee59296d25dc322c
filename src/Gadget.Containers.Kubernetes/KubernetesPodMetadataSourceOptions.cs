using Microsoft.Extensions.Logging;

namespace Gadget.Containers.Kubernetes;

/// <summary>Which node's pods a <see cref="KubernetesPodMetadataSource"/> follows, and how it retries.</summary>
public sealed record KubernetesPodMetadataSourceOptions
{
    /// <summary>The node whose pods to follow (<c>fieldSelector=spec.nodeName=NODE</c>): in a DaemonSet, the <c>NODE_NAME</c>
    /// environment variable set from <c>spec.nodeName</c>.</summary>
    public required string NodeName { get; init; }

    /// <summary>How long to wait before the first retry after a failed list or watch; it doubles on every failure in a row
    /// up to <see cref="MaxRetryDelay"/>, with up to 20% random jitter. Default: 1 second.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries. Default: 30 seconds.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the API server keeps one watch open (<c>timeoutSeconds</c>) before the source opens the next one
    /// from the last resource version. Default: 5 minutes.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where diagnostics go (lists, watch restarts, failures); null: nowhere.</summary>
    public ILogger? Logger { get; init; }
}
