namespace Gadget.Cli.Tests;

/// <summary>
/// What <c>traceloop run</c> runs: with <c>--</c>, all that follows it, a later <c>--</c> included; without it, the first
/// word and the rest. A word before <c>--</c> that is no option's value is refused (CliCommand.BadArguments), not run.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopRunArgumentsTests
{
    [Fact]
    public async Task TheCommandIsAllAfterTheDoubleDashOrTheFirstWordWithoutIt()
    {
        // sh -c SCRIPT -- x: '--' is $0 and x is $1, as the command was given.
        var after = await Tool.Traceloop.RunAsync(["run", "-o", "json", "--", "sh", "-c", "[ \"$0\" = -- ] && [ \"$1\" = x ] && exit 7", "--", "x"]);
        Assert.True(after.ExitCode == 7, $"{after.CommandLine}: exit {after.ExitCode}\n{after.Error}");
        var without = await Tool.Traceloop.RunAsync(["run", "-T", "false"]);
        Assert.True(without.ExitCode == 1 && without.Error.Contains("/false\", [\"", StringComparison.Ordinal) && without.Error.Contains("+++ exited with 1 +++", StringComparison.Ordinal),
            $"{without.CommandLine}: exit {without.ExitCode}\n{without.Error}");
    }
}
