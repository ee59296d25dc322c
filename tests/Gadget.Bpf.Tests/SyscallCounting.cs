namespace Gadget.Bpf.Tests;

/// <summary>Makes syscalls and checks whether a BPF counter of this process's syscalls moves.</summary>
internal static class SyscallCounting
{
    internal const int Burst = 100;

    /// <summary>Makes <see cref="Burst"/> syscalls (stat of a procfs file).</summary>
    internal static void MakeSyscalls()
    {
        for (var i = 0; i < Burst; i++)
        {
            _ = File.Exists("/proc/self/status");
        }
    }

    /// <summary>Asserts that a burst of syscalls moves the counter by at least the burst.</summary>
    internal static void AssertCounts(Func<ulong> read, string what)
    {
        var before = read();
        MakeSyscalls();
        var after = read();
        Assert.True(after >= before + Burst, $"{what} should count syscalls: {before} before, {after} after {Burst} syscalls");
    }

    /// <summary>
    /// Asserts that the counter stops moving: a detach may finish a little after the last descriptor is closed, so this
    /// retries for up to 5 s, but a program still attached moves the counter on every try and fails.
    /// </summary>
    internal static void AssertStopsCounting(Func<ulong> read, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        ulong before, after;
        do
        {
            before = read();
            MakeSyscalls();
            Thread.Sleep(20);
            after = read();
            if (before == after)
            {
                return;
            }
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{what} still counts syscalls after it was detached: {before} then {after}");
    }
}
