using Gadget.Containers;
using Microsoft.Extensions.Logging;

namespace Gadget.Hosting;

/// <summary>How the host's shared <see cref="ContainerCollection"/> finds containers (the bindable form of <see cref="ContainerCollectionOptions"/>).</summary>
public sealed class ContainerCollectionSettings
{
    /// <summary>Load the BPF program that reports new containers and their exits (<see cref="ContainerCollectionOptions.UseBpf"/>). Default: true.</summary>
    public bool UseBpf { get; set; } = true;

    /// <summary>How often the runtimes' state is scanned again; <see cref="Timeout.InfiniteTimeSpan"/> (<c>-00:00:00.001</c>) turns it off. Default: 1 s.</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Unix socket path for the OCI hook; null: no hook server.</summary>
    public string? HookSocketPath { get; set; }

    /// <summary>More runc <c>--root</c> directories to read container state from.</summary>
    public List<string> RuncStateRoots { get; set; } = [];

    /// <summary>How long a new cgroup's runtime state is looked for (<see cref="ContainerCollectionOptions.StateWaitTimeout"/>). Default: 2 s.</summary>
    public TimeSpan StateWaitTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The collection's options, with the host's logger and pod metadata source.</summary>
    internal ContainerCollectionOptions ToOptions(ILogger logger, IPodMetadataSource? podMetadataSource) => new()
    {
        UseBpf = UseBpf,
        RescanInterval = RescanInterval,
        HookSocketPath = string.IsNullOrEmpty(HookSocketPath) ? null : HookSocketPath,
        RuncStateRoots = [.. RuncStateRoots],
        StateWaitTimeout = StateWaitTimeout,
        PodMetadataSource = podMetadataSource,
        Logger = logger,
    };

    internal IEnumerable<string> Validate(string path)
    {
        if (RescanInterval <= TimeSpan.Zero && RescanInterval != Timeout.InfiniteTimeSpan)
        {
            yield return $"{path}:RescanInterval is {RescanInterval}: it is positive, or {Timeout.InfiniteTimeSpan} for no rescans.";
        }
        if (StateWaitTimeout < TimeSpan.Zero)
        {
            yield return $"{path}:StateWaitTimeout is {StateWaitTimeout}: it is 0 or more.";
        }
        foreach (var root in RuncStateRoots)
        {
            if (!Path.IsPathFullyQualified(root))
            {
                yield return $"{path}:RuncStateRoots holds '{root}': a runc root is an absolute path.";
            }
        }
        if (!string.IsNullOrEmpty(HookSocketPath) && !Path.IsPathFullyQualified(HookSocketPath))
        {
            yield return $"{path}:HookSocketPath is '{HookSocketPath}': an absolute path.";
        }
    }
}
