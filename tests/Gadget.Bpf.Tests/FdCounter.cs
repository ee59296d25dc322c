namespace Gadget.Bpf.Tests;

/// <summary>Counts this process's open file descriptors (<c>/proc/self/fd</c>), to check that nothing leaks.</summary>
internal static class FdCounter
{
    internal static int Count() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>Runs <paramref name="action"/> several times and asserts the fd count did not grow.</summary>
    internal static void AssertNoLeak(Action action, int rounds = 3)
    {
        action(); // warm-up: lazily opened runtime and libbpf fds
        var before = Count();
        for (var i = 0; i < rounds; i++)
        {
            action();
        }
        var after = Count();
        Assert.True(after <= before, $"file descriptors leaked: {before} before, {after} after {rounds} rounds");
    }
}
