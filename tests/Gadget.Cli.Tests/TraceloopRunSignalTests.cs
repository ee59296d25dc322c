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
}
