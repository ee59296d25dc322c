using System.Diagnostics;

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

    /// <summary>
    /// Started with no standard output at all (<c>&gt;&amp;-</c>), not one whose reader went away: a tool that writes to it
    /// says so on one line and exits 1 (it was "Access to the path is denied.": descriptor 1 had become .NET's own signal
    /// pipe, read-only, and the write failed with EBADF); traceloop run, whose history goes to standard error, runs as usual.
    /// </summary>
    [Theory]
    [InlineData("gadgets", "execsnoop --host --timeout 30")]
    [InlineData("gadgets", "execsnoop --host -o json --timeout 30")]
    [InlineData("gadgets", "snapshot process --host")]
    public async Task StartedWithoutStdout_SaysSoOnOneLine(string tool, string arguments)
    {
        var (exitCode, error) = await RunWithoutStdoutAsync(tool == "gadgets" ? Tool.Gadgets : Tool.Traceloop, arguments.Split(' '), () => Process.Start("/bin/true")!.WaitForExit());
        Assert.True(exitCode == 1, $"exit {exitCode}\n{error}");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(": ready: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal([$"{tool}: standard output is closed (started with >&-?): nothing to write the output to; redirect it to a file or /dev/null instead."], lines);
    }

    [Fact]
    public async Task TraceloopRunWithoutStdout_PrintsTheHistoryOnStderr()
    {
        var (exitCode, error) = await RunWithoutStdoutAsync(Tool.Traceloop, ["run", "--", "/bin/sh", "-c", "echo x 2>/dev/null; exit 3"], () => { });
        Assert.True(exitCode == 3, $"exit {exitCode}\n{error}");
        Assert.Contains("write(1, \"x\\n\", 2) = -1 EBADF", error, StringComparison.Ordinal); // the command's stdout is closed too
        Assert.DoesNotContain("standard output is closed", error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Error)> RunWithoutStdoutAsync(Tool tool, string[] arguments, Action trigger)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", "exec \"$0\" \"$@\" >&-", tool.Path, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited && deadline.Elapsed < Tool.HangGuard)
        {
            trigger();
            await Task.Delay(200);
        }
        if (!process.HasExited)
        {
            process.Kill();
            Assert.Fail($"{tool} {string.Join(' ', arguments)} ran on without its standard output");
        }
        await process.WaitForExitAsync();
        return (process.ExitCode, await error);
    }
}
