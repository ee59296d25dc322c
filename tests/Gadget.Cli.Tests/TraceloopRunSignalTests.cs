namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop run</c> sent a signal alone (<c>kill PID</c>, <c>timeout</c>, systemd stopping a unit): the signal is meant
/// for the command it runs, which ends, and traceloop prints its history and exits with the command's status. It waited
/// for the command to end by itself (a <c>sleep 600</c> kept <c>timeout 5 traceloop run</c> going for ten minutes).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopRunSignalTests
{
    [Theory]
    [InlineData("TERM", "SIGTERM", 143)]
    [InlineData("HUP", "SIGHUP", 129)]
    [InlineData("INT", "SIGINT", 130)] // no terminal here: a Ctrl-C cannot have reached the command already
    public async Task ASignalToTraceloopAlone_EndsTheCommandAndItsHistoryIsPrinted(string signal, string name, int status)
    {
        using var run = new RunningTool(Tool.Traceloop, "run", "--", "sleep", "600");
        await run.WaitReadyAsync();
        await run.WaitForChildAsync("sleep"); // the shell has exec'd it

        var code = await run.SignalAsync(signal);

        Assert.True(code == status, $"exit code {code}, not {status}; stderr:\n{run.Error}");
        Assert.Contains("execve(\"/usr/bin/sleep\"", run.Error, StringComparison.Ordinal);
        Assert.Contains($"+++ killed by {name} +++", run.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A SIGTERM while traceloop is still starting (its commands being built, the tracer loading: before its command
    /// exists) was swallowed: the command then ran to its end and traceloop exited 0 (sleep 20: 20 s). It is passed on as
    /// soon as the command is there; before CliHost handles it at all (the runtime's first ~25 ms) it ends traceloop as
    /// before, 143. Either way traceloop ends at once, with 143.
    /// </summary>
    [Theory]
    [InlineData(150)]
    [InlineData(300)]
    public async Task ASigtermWhileStarting_EndsTheCommandAsSoonAsItIsThere(int milliseconds)
    {
        using var run = new RunningTool(Tool.Traceloop, "run", "--", "sleep", "20");
        await Task.Delay(milliseconds);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var code = await run.SignalAsync("TERM");
        Assert.True(code == 143, $"exit code {code} after {started.Elapsed}; stderr:\n{run.Error}");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"traceloop took {started.Elapsed} to end:\n{run.Error}");
    }
}
