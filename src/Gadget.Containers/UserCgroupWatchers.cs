using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// Watches other users' new cgroups (a rootless container's, perhaps, its state in a configured extra runc root) for
/// runtime state, like root's, but a few at a time: any user with a delegated subtree can make thousands a second, and
/// each watcher polls the runtimes' state. Past the limit a cgroup is left to its exec report and the periodic rescans.
/// </summary>
internal sealed class UserCgroupWatchers(RuntimeStateScanner scanner, TimeSpan timeout, ILogger logger)
{
    /// <summary>Watchers at once.</summary>
    internal const int Max = 16;

    private int _running;

    /// <summary>Watches <paramref name="cgroupId"/> (at <paramref name="path"/>) unless <see cref="Max"/> watchers run.</summary>
    internal void Watch(string path, ulong cgroupId, CancellationToken stopping)
    {
        if (Interlocked.Increment(ref _running) > Max)
        {
            Interlocked.Decrement(ref _running);
            logger.LogTrace("cgroup {Path} (another user's) not watched: {Max} are", path, Max);
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await scanner.WatchNewCgroupAsync(path, cgroupId, timeout, stopping).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        });
    }
}
