using System.Globalization;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop run</c> changed its command's open-file limit: the .NET runtime raises its own soft RLIMIT_NOFILE to the hard
/// one as it starts, and the command inherited that (a shell with 1024:4096 ran traceloop, whose command saw 4096; strace
/// leaves 1024). The command now gets the soft limit traceloop was started with. traceloop is run from a shell whose limits
/// prlimit set, as a user's shell with those limits would run it (this test host's own limits were raised by its runtime).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopOpenFileLimitTests
{
    [Fact]
    public async Task TheCommandGetsTheSoftLimitTraceloopWasStartedWith()
    {
        var hard = Math.Min(OwnHardLimit(), 4096);
        var soft = hard / 4;

        var (commandSoft, commandHard) = await CommandLimitsAsync(soft, hard);

        Assert.Equal(soft, commandSoft);
        Assert.Equal(hard, commandHard);
    }

    [Fact]
    public async Task ASoftLimitThatWasTheHardOneAlreadyIsKept()
    {
        var limit = Math.Min(OwnHardLimit(), 4096) / 2;

        var (commandSoft, commandHard) = await CommandLimitsAsync(limit, limit);

        Assert.Equal(limit, commandSoft);
        Assert.Equal(limit, commandHard);
    }

    /// <summary>Runs <c>traceloop run -- sh -c 'ulimit -Sn; ulimit -Hn'</c> from a shell with limits <paramref name="soft"/>:<paramref name="hard"/>.</summary>
    private static async Task<(long Soft, long Hard)> CommandLimitsAsync(long soft, long hard)
    {
        // The shell does not exec traceloop (a command follows it): it is traceloop's parent, with the limits prlimit gave it.
        string[] shell = ["prlimit", $"--nofile={soft}:{hard}", "/bin/sh", "-c", "\"$@\"; exit $?", "sh"];
        var run = await Tool.Traceloop.RunAsync(["run", "--", "/bin/sh", "-c", "ulimit -Sn; ulimit -Hn"], launcher: shell);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Output}\n{run.Error}");
        Assert.Contains("execve(\"/bin/sh\"", run.Error, StringComparison.Ordinal); // recorded from the command's execve
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, $"expected the command's two limits:\n{run.Output}");
        return (long.Parse(lines[0], CultureInfo.InvariantCulture), long.Parse(lines[1], CultureInfo.InvariantCulture));
    }

    /// <summary>This process's hard limit: prlimit cannot raise it (no CAP_SYS_RESOURCE here), only lower it.</summary>
    private static long OwnHardLimit()
    {
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files ", StringComparison.Ordinal));
        var hard = line["Max open files ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return hard == "unlimited" ? long.MaxValue : long.Parse(hard, CultureInfo.InvariantCulture);
    }
}
