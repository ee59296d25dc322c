namespace Gadget.Cli.Tests;

/// <summary>
/// The OCI hook's command line (runc runs it from a container's config.json): <c>--help</c> answers, a bad value is one
/// line naming it with exit 2, before anything is read or sent; an OCI state too long for the collection is refused
/// without reading it all.
/// </summary>
public sealed class OciHookCliTests
{
    [Fact]
    public async Task AnswersHelp()
    {
        var run = await Tool.OciHook.RunAsync(["--help"]);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        Assert.Contains("--socket PATH", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Theory]
    [InlineData("--timeout", "-1")]
    [InlineData("--timeout", "0")]
    [InlineData("--timeout", "NaN")]
    [InlineData("--timeout", "1e30")]
    [InlineData("--timeout", "2147483648")]
    [InlineData("--timeout", "abc")]
    [InlineData("--socket", "")]
    [InlineData("--socket", "/run/gadget/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock")]
    [InlineData("--phase", "nosuchphase")]
    [InlineData("--phase", "x\",\"state\":{}}\n")]
    [InlineData("--runtime", "runc\"")]
    [InlineData("--timeout", null)]
    [InlineData("--no-such-option", null)]
    public async Task ABadValueIsOneLine(string option, string? value)
    {
        string[] arguments = option == "--socket" ? [option, value!] : ["--socket", "/nonexistent/gadget-oci-hook.sock", option, .. value is null ? Array.Empty<string>() : [value]];
        var run = await Tool.OciHook.RunAsync(arguments);
        run.AssertOneLineFailure(2, option);
    }

    [Fact]
    public async Task AStateOverOneMebibyteIsRefusedWithoutReadingItAll()
    {
        using var process = Tool.OciHook.Start(["--socket", "/nonexistent/gadget-oci-hook.sock"]);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        var chunk = new string('a', 64 * 1024);
        try
        {
            await process.StandardInput.WriteAsync("{\"id\":\"");
            for (var i = 0; i < 64 * 1024 && !process.HasExited; i++) // up to 4 GiB: the hook must stop reading long before
            {
                await process.StandardInput.WriteAsync(chunk);
            }
        }
        catch (IOException)
        {
            // The hook stopped reading and exited: its end of the pipe is closed.
        }
        await process.WaitForExitAsync().WaitAsync(Tool.HangGuard);
        var run = new CliRun("gadget-oci-hook --socket ... < (a 4 GiB state)", process.ExitCode, await output, await error);
        run.AssertOneLineFailure(2, "1048576");
    }
}
