using System.Net.Sockets;

namespace Gadget.Cli.Tests;

/// <summary>
/// Every bad <c>--agent</c> is one line on standard error: exit 2 for a value that cannot be an agent's address (an empty
/// or too long socket path, port 0, 0.0.0.0), exit 1 for an address where no agent is, with the reason (missing, a
/// directory, a regular file, nobody listening). Before: unix:/tmp "does not exist", unix: exit 1, a long path two lines of
/// .NET's exception text, https://0:1 an ArgumentException's text, a refused socket "Connection refused (localhost:80)".
/// </summary>
public sealed class AgentAddressTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-address-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("unix:", "unix:PATH needs")]
    [InlineData("unix:/tmp/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789/agent.sock", "at most 107 bytes")]
    [InlineData("https://0:1", "0.0.0.0 is an address to listen on")]
    [InlineData("https://[::]:1", ":: is an address to listen on")]
    [InlineData("https://127.0.0.1:0", "port 0")]
    [InlineData("https://user:secret@127.0.0.1:1", "--token-file")]
    [InlineData("ftp://127.0.0.1:1", "unix:PATH or https://IP:PORT")]
    [InlineData("", "unix:PATH or https://IP:PORT")]
    public async Task AValueThatIsNoAddressIsExit2(string agent, string reason)
    {
        var run = await Tool.Client.RunAsync(["--agent", agent, "containers"]);
        run.AssertOneLineFailure(2, "--agent");
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAddressWithoutAnAgentIsExit1WithTheReason()
    {
        var file = Path.Combine(_directory.FullName, "file");
        File.WriteAllText(file, "");
        var dead = Path.Combine(_directory.FullName, "dead.sock");
        // Bound, never listening: refused as the file a killed agent leaves is (.NET removes the file when it is disposed).
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(dead));
        (string Path, string Reason)[] cases =
        [
            (_directory.FullName, $"{_directory.FullName} is a directory, not a socket"),
            (file, $"{file} is a regular file, not a socket"),
            (Path.Combine(file, "agent.sock"), "a part of the path is not a directory"),
            (Path.Combine(_directory.FullName, "missing.sock"), "missing.sock does not exist"),
            (dead, $"nothing listens on {dead} (connection refused"),
        ];
        foreach (var (path, reason) in cases)
        {
            var run = await Tool.Client.RunAsync(["--agent", "unix:" + path, "containers"]);
            run.AssertOneLineFailure(1, reason);
            Assert.StartsWith($"gadget: no agent at unix:{path}: ", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("localhost:80", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ControlCharactersOfTheAddressAreEscaped()
    {
        foreach (var (agent, exitCode) in new[] { ($"unix:/nonexistent/a\nb\x1b[2J.sock", 1), ("nope\n\x1b[31m", 2) })
        {
            var run = await Tool.Client.RunAsync(["--agent", agent, "containers"]);
            run.AssertOneLineFailure(exitCode, @"\n");
            Assert.Contains(@"\x1b", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain('\x1b', run.Error);
        }
    }
}
