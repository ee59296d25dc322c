namespace Gadget.Bpf.Tests;

/// <summary>The readers' waiter threads, found by name in <c>/proc/self/task/*/comm</c>, and this process's thread count.</summary>
internal static class WaiterThreads
{
    internal const string RingBuffer = "gadget-ringbuf";
    internal const string PerfBuffer = "gadget-perfbuf";

    internal static int Count(string name) =>
        Directory.GetDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == name;
            }
            catch (IOException)
            {
                return false; // the thread ended meanwhile
            }
        });

    /// <summary>The ids (<c>/proc/self/task</c> entries) of the threads named <paramref name="name"/> now.</summary>
    internal static HashSet<string> Ids(string name) =>
        [
            .. Directory.GetDirectories("/proc/self/task").Where(task =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == name;
                }
                catch (IOException)
                {
                    return false;
                }
            }).Select(Path.GetFileName).OfType<string>(),
        ];

    /// <summary>
    /// Waits until a thread named <paramref name="name"/> that is not in <paramref name="before"/> exists: a reader's
    /// waiter thread started by a wait begun after the snapshot (a previous test's waiter may still be finishing its exit,
    /// so a count of such threads proves nothing).
    /// </summary>
    internal static async Task WaitForNew(string name, HashSet<string> before)
    {
        for (var i = 0; i < 1000 && Ids(name).IsSubsetOf(before); i++)
        {
            await Task.Delay(5);
        }
        Assert.False(Ids(name).IsSubsetOf(before), $"no new {name} thread: the wait never started");
    }

    /// <summary>
    /// This process's threads that the library started: every one is named <c>gadget-*</c>. (The process's total changes
    /// as the thread pool injects and retires threads, more so on a loaded machine: it proves nothing about a leak.)
    /// </summary>
    internal static int LibraryThreads() =>
        Directory.GetDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).StartsWith("gadget-", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

    /// <summary>
    /// Whether no thread named <paramref name="name"/> is left. A stopped waiter's OS thread finishes its exit a moment after
    /// the managed thread has ended (or, when Dispose did not join it, after its last continuation returned): give its
    /// /proc entry time to go away (returns as soon as it has; the bound is for a loaded machine).
    /// </summary>
    internal static async Task<bool> Gone(string name)
    {
        for (var i = 0; i < 1000 && Count(name) > 0; i++)
        {
            await Task.Delay(10);
        }
        return Count(name) == 0;
    }
}
