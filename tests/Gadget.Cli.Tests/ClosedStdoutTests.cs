namespace Gadget.Cli.Tests;

/// <summary>
/// A tool whose standard output's reader is gone (<c>| head</c> that has had enough) ends by itself with exit 0 and no
/// stack trace, instead of running until its timeout: every tracing command is given a day (--timeout 86400, or
/// syscallcount 86400), so only the closed pipe can end it before the hang guard.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ClosedStdoutTests
{
    public static TheoryData<string> TracingCommands() => [.. CliCommand.All.Where(c => c.TraceRun is not null).Select(c => c.ToString())];

    [Theory]
    [MemberData(nameof(TracingCommands))]
    public async Task EndsWhenStdoutCloses(string name)
    {
        var command = CliCommand.All.Single(c => c.ToString() == name);
        var run = await command.Tool.RunWithStdoutClosedAsync(command.TraceRun!);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        run.AssertNoStackTrace();
        Assert.Contains(": ready: ", run.Error, StringComparison.Ordinal); // it had attached: the pipe ended it, not a failure
    }
}
