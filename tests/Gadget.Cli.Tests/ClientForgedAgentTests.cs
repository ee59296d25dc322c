using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// The client prints what the agent at <c>--agent unix:PATH</c> sends. A local user (uid 65534, no capability) who listens
/// on a socket in /tmp is no agent: the client refuses it (exit 1, naming the user) and prints nothing of what it sends.
/// What an agent that is believed sends (a compromised node's) reaches the terminal escaped in text and columns: a line
/// that is not JSON, an error's or a loss's reason, a node's name, a history's text; with -o json, standard output stays
/// JSON Lines. Before: each was printed as it came, ESC sequences and all.
/// </summary>
public sealed class ClientForgedAgentTests : IDisposable
{
    private const string Esc = "\u001b";

    // Answers every HTTP request on argv[1] as whoever runs it: a history's text for .../history, else a stream of
    // hostile lines; exits after 60 s.
    private const string ForgedAgent = """
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.bind(sys.argv[1] + ".tmp"); os.chmod(sys.argv[1] + ".tmp", 0o777); s.listen(8); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        s.settimeout(60)
        while True:
            c, _ = s.accept()
            request = c.recv(65536)
            if b"/history" in request:
                body = b"\x1b[2J\x1b]0;PWNED\x07execve(\"/bin/forged\", [], NULL) = 0\n"
            else:
                body = (b"\x1b[2Jnot json \x1b]0;PWNED\x07\n"
                    + b'{"type":"lost","count":3,"reason":"\\u001b[2Jlost reason","k8s":{"node":"\\u001b]0;node\\u0007"}}\n'
                    + b'{"type":"whatever","note":"\\u001b[31mred"}\n'
                    + b'{"type":"c1","note":"\xc2\x9b31m\x7f raw"}\n'
                    + b'{"type":"error","reason":"\\u001b[2Jerror reason \\u009b31m"}\n')
            try:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n" + body)
            except OSError:
                pass # a client that hung up (one that did not believe this agent)
            c.close()
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-forged-agent-");

    public ClientForgedAgentTests() => File.SetUnixFileMode(_directory.FullName, (UnixFileMode)Convert.ToInt32("1777", 8));

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task ASocketOfAnUnprivilegedUserIsNotBelieved()
    {
        await using var forger = await ForgedAgentAsync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
        string[][] commands = [["execsnoop", "-o", "columns"], ["execsnoop", "-o", "json"], ["traceloop", "dump", "web"]];
        foreach (var command in commands)
        {
            var run = await Tool.Client.RunAsync(["--agent", "unix:" + forger.Socket, .. command]);

            run.AssertOneLineFailure(1, "is served by user 65534");
            Assert.StartsWith($"gadget: not the agent at unix:{forger.Socket}: ", run.Error, StringComparison.Ordinal);
            Assert.Empty(run.Output);
            Assert.DoesNotContain("PWNED", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("reason", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WhatABelievedAgentSendsIsEscapedAndJsonStaysJson()
    {
        await using var agent = await ForgedAgentAsync([]); // this user's: believed
        string[] address = ["--agent", "unix:" + agent.Socket];

        var columns = await Tool.Client.RunAsync([.. address, "execsnoop", "-o", "columns"]);
        columns.AssertNoStackTrace();
        Assert.DoesNotContain(Esc, columns.Output + columns.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\u009b", columns.Output + columns.Error, StringComparison.Ordinal);
        Assert.Contains(@"gadget: the agent sent a line that is not JSON: \x1b[2Jnot json \x1b]0;PWNED\x07", columns.Error, StringComparison.Ordinal);
        Assert.Contains(@"gadget: node \x1b]0;node\x07: lost 3 events (\x1b[2Jlost reason)", columns.Error, StringComparison.Ordinal);
        Assert.Contains(@"""note"":""\u001b[31mred""", columns.Error, StringComparison.Ordinal);
        Assert.Contains(@"""note"":""\u009b31m\x7f raw""", columns.Error, StringComparison.Ordinal);
        Assert.Contains(@"gadget: the agent's execsnoop failed: \x1b[2Jerror reason \u009b31m", columns.Error, StringComparison.Ordinal);

        var json = await Tool.Client.RunAsync([.. address, "execsnoop", "-o", "json"]);
        json.AssertNoStackTrace();
        var lines = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.All(lines, line => JsonDocument.Parse(line).Dispose());
        // JSON lets DEL and C1 controls stand unescaped in a string: the line is written again with them escaped.
        Assert.Contains(lines, line => line.Contains(@"""note"":""\u009B31m\u007F raw""", StringComparison.Ordinal));
        Assert.DoesNotContain("\u009b", json.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u007f", json.Output, StringComparison.Ordinal);
        Assert.Contains(@"gadget: the agent sent a line that is not JSON: \x1b[2Jnot json", json.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Esc, json.Output + json.Error, StringComparison.Ordinal);

        var history = await Tool.Client.RunAsync([.. address, "traceloop", "dump", "web"]);
        Assert.Equal(0, history.ExitCode);
        Assert.Equal(@"\x1b[2J\x1b]0;PWNED\x07execve(""/bin/forged"", [], NULL) = 0" + "\n", history.Output);
    }

    private async Task<Forger> ForgedAgentAsync(string[] launcher)
    {
        var socket = Path.Combine(_directory.FullName, $"agent-{Guid.NewGuid():N}.sock");
        string[] command = [.. launcher, "/usr/bin/python3", "-c", ForgedAgent, socket];
        var process = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardError = true })!;
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(socket) && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }
        var forger = new Forger(process, socket);
        if (!File.Exists(socket))
        {
            await forger.DisposeAsync();
            Assert.Fail($"the forged agent did not listen: {process.StandardError.ReadToEnd()}");
        }
        return forger;
    }

    private sealed record Forger(Process Process, string Socket) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }
            await Process.WaitForExitAsync();
            Process.Dispose();
        }
    }
}
