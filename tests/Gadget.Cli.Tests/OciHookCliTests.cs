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

    /// <summary>
    /// The state goes to the collection as one line with its values as they were: NEL, LS and PS (U+0085, U+2028, U+2029)
    /// may stand unescaped in a JSON string (Go's encoder leaves NEL so), and the hook replaced them with spaces, changing
    /// the container's annotations (its name); the JSON's own line breaks still become spaces.
    /// </summary>
    [Fact]
    public async Task TheStateIsSentOnOneLineWithItsStringsUnchanged()
    {
        const string Name = "web\u0085x\u2028y\u2029z";
        var (exitCode, error, line) = await RunAgainstACollectionAsync(
            "{\n  \"ociVersion\": \"1.0.2\",\r\n  \"id\": \"c1\",\n  \"pid\": 1,\n  \"annotations\": {\"nerdctl/name\": \"" + Name + "\"}\n}\n", "ok\n");

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.Equal(line.Length - 1, line.IndexOf('\n', StringComparison.Ordinal));
        using var request = System.Text.Json.JsonDocument.Parse(line);
        var state = request.RootElement.GetProperty("state");
        Assert.Equal("c1", state.GetProperty("id").GetString());
        Assert.Equal(Name, state.GetProperty("annotations").GetProperty("nerdctl/name").GetString());
    }

    /// <summary>The collection's refusal (an <c>error:</c> line, which may quote the container's state) reaches the runtime's
    /// log escaped: no terminal commands for whoever reads it. Before: as it came.</summary>
    [Fact]
    public async Task TheCollectionsErrorIsShownEscaped()
    {
        var (exitCode, error, _) = await RunAgainstACollectionAsync(
            "{\"ociVersion\": \"1.0.2\", \"id\": \"c1\", \"pid\": 1}\n", "error: container \u001b]0;PWNED\u0007web\u001b[2J\u009b1m refused\n");

        var run = new CliRun("gadget-oci-hook --socket ... (the collection answers an error)", exitCode, "", error);
        run.AssertOneLineFailure(1, @"the collection answered 'error: container \x1b]0;PWNED\x07web\x1b[2J\u009b1m refused'");
        Assert.DoesNotContain("\u001b", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\u009b", run.Error, StringComparison.Ordinal);
    }

    /// <summary>Runs the hook (createRuntime) with <paramref name="state"/> on its standard input against a collection
    /// played by this test on a Unix socket, which reads the hook's request line and answers <paramref name="answer"/>.</summary>
    private static async Task<(int ExitCode, string Error, string Request)> RunAgainstACollectionAsync(string state, string answer)
    {
        var directory = Directory.CreateTempSubdirectory("gadget-hook-collection-").FullName;
        var path = Path.Combine(directory, "containers.sock");
        try
        {
            using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            using var process = Tool.OciHook.Start(["--socket", path, "--phase", "createRuntime"]);
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(state);
            process.StandardInput.Close();

            using var client = await listener.AcceptAsync().WaitAsync(Tool.HangGuard);
            var received = new List<byte>();
            var buffer = new byte[4096];
            while (!received.Contains((byte)'\n'))
            {
                var read = await client.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None).WaitAsync(Tool.HangGuard);
                if (read == 0)
                {
                    break;
                }
                received.AddRange(buffer.AsSpan(0, read));
            }
            await client.SendAsync(System.Text.Encoding.UTF8.GetBytes(answer), System.Net.Sockets.SocketFlags.None);
            await process.WaitForExitAsync().WaitAsync(Tool.HangGuard);
            return (process.ExitCode, await error, System.Text.Encoding.UTF8.GetString([.. received]));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
