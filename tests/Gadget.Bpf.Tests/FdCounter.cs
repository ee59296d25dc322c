namespace Gadget.Bpf.Tests;

/// <summary>
/// Counts this process's open file descriptors (<c>/proc/self/fd</c>), to check that nothing leaks. A leak is a growth in the
/// descriptors this library opens: anonymous inodes (BPF maps, programs and links, perf events, epoll, eventfd) and files
/// under /sys (tracefs, bpffs, BTF). Other descriptors (sockets, pipes, files the .NET runtime or the test host open lazily,
/// at any time, from other threads) are listed in the message but are not this library's.
/// </summary>
internal static class FdCounter
{
    internal static int Count() => Snapshot().Count;

    /// <summary>Runs <paramref name="action"/> several times and asserts the count of this library's kinds of fds did not grow.</summary>
    internal static void AssertNoLeak(Action action, int rounds = 3)
    {
        action(); // warm-up: lazily opened runtime and libbpf fds
        var before = Snapshot();
        for (var i = 0; i < rounds; i++)
        {
            action();
        }
        var after = Snapshot();
        var added = after.Where(fd => !before.TryGetValue(fd.Key, out var target) || target != fd.Value)
            .Select(fd => $"{fd.Key} -> {fd.Value}").ToArray();
        var ours = (IReadOnlyDictionary<int, string> fds) => fds.Values.Count(IsLibraryDescriptor);
        Assert.True(ours(after) <= ours(before),
            $"file descriptors leaked: {ours(before)} BPF/perf/epoll/eventfd//sys fds before, {ours(after)} after {rounds} rounds; new: [{string.Join(", ", added)}]");
    }

    private static bool IsLibraryDescriptor(string target) =>
        target.StartsWith("anon_inode:", StringComparison.Ordinal) || target.StartsWith("/sys/", StringComparison.Ordinal);

    private static Dictionary<int, string> Snapshot()
    {
        var snapshot = new Dictionary<int, string>();
        foreach (var path in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed while listing (e.g. the enumeration's own fd)
            }
            if (target is not null && int.TryParse(Path.GetFileName(path), out var fd))
            {
                snapshot[fd] = target;
            }
        }
        return snapshot;
    }
}
