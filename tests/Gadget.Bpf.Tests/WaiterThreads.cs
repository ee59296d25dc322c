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
