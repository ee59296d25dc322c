namespace Gadget.Cli.Tests;

/// <summary>
/// Every tracing command run as an unprivileged user (uid 65534, no capabilities): exit 1 and one line on standard error
/// saying what is missing and what to do, never a stack trace.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class UnprivilegedTests
{
    public static TheoryData<string> TracingCommands() => ClosedStdoutTests.TracingCommands();

    [Theory]
    [MemberData(nameof(TracingCommands))]
    public async Task SaysWhatIsMissingOnOneLine(string name)
    {
        var command = CliCommand.All.Single(c => c.ToString() == name);
        var run = await command.Tool.RunAsync(command.TraceRun!, unprivileged: true);
        run.AssertOneLineFailure(1);
        Assert.Matches("CAP_BPF|CAP_SYS_ADMIN|root", run.ErrorLines[0]);
    }

    [Theory]
    [MemberData(nameof(TracingCommands))]
    public async Task SaysHowToGetLibbpfOnOneLine(string name)
    {
        var command = CliCommand.All.Single(c => c.ToString() == name);
        var missing = new Dictionary<string, string> { ["GADGET_LIBBPF"] = "/nonexistent/libbpf.so.1" };
        var run = await command.Tool.RunAsync(command.TraceRun!, environment: missing);
        run.AssertOneLineFailure(1, "libbpf");
        Assert.Contains("apt-get install libbpf1", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAgentDoesNotStartWithoutPrivileges()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cli-agent-{Guid.NewGuid():N}.sock");
        var run = await Tool.Agent.RunAsync(["--socket", socket], unprivileged: true);
        run.AssertOneLineFailure(1, "CAP_");
        Assert.False(File.Exists(socket), "the agent listened without privileges");
    }

    [Fact]
    public async Task ACommandThatNeedsNoPrivilegesStillWorks()
    {
        var run = await Tool.Gadgets.RunAsync(["execsnoop", "--help"], unprivileged: true);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
    }
}
