using System.Text.Json;

namespace Gadget.Agent.Tests;

/// <summary>
/// Who may use the agent, tried as unprivileged users (setpriv to uid 65534 and 65533) against agents started with umask
/// 000: the socket's mode, the group, SO_PEERCRED checks, and TCP that needs TLS and a token.
/// </summary>
[Collection("agent processes")]
public sealed class AgentAccessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-access-");

    private string Socket => Path.Combine(_directory.FullName, "agent.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task DefaultSocket_IsRootOnlyWhateverTheUmask_AndRefusesAnUnprivilegedUser()
    {
        // The socket's directory is open to all, so only the socket's own mode keeps others out.
        Processes.Chmod("755", _directory.FullName);
        await using var agent = AgentProcess.Start(["--socket", Socket], umask: "000");
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);

        Assert.Equal("socket 600 0 0", Processes.Stat(Socket));

        var refused = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "containers");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("cannot reach the agent", refused.Error, StringComparison.Ordinal);
        Assert.Contains("denied", refused.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", refused.Output);

        var root = Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "containers"]);
        Assert.True(root.ExitCode == 0, root.Error);
    }

    [Fact]
    public async Task SocketGroup_LetsItsMembersInAndNobodyElse()
    {
        var name = "gadget-t" + Guid.NewGuid().ToString("N")[..8];
        var added = Processes.Run("groupadd", ["-r", name]);
        Assert.True(added.ExitCode == 0, added.Error);
        try
        {
            var gid = int.Parse(File.ReadLines("/etc/group").Single(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[2], System.Globalization.CultureInfo.InvariantCulture);
            Processes.Chmod("755", _directory.FullName);
            await using var agent = AgentProcess.Start(["--socket", Socket, "--socket-group", name], umask: "000");
            Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);

            Assert.Equal($"socket 660 0 {gid}", Processes.Stat(Socket));

            var member = Processes.ClientAs(Processes.Nobody, [gid], "--agent", "unix:" + Socket, "containers");
            Assert.True(member.ExitCode == 0, member.Error);
            Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(member.Output).RootElement.ValueKind);
            var started = Processes.ClientAs(Processes.Nobody, [gid], "--agent", "unix:" + Socket, "traceloop", "start", "--id", "gadget-group-test");
            Assert.True(started.ExitCode == 0, started.Error);

            var outsider = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "containers");
            Assert.Equal(1, outsider.ExitCode);
            Assert.Contains("denied", outsider.Error, StringComparison.OrdinalIgnoreCase);

            // What the members did is logged with their uid and pid.
            Assert.Contains($"uid {Processes.Nobody} pid ", agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            Processes.Run("groupdel", [name]);
        }
        Assert.DoesNotContain(File.ReadLines("/etc/group"), l => l.StartsWith(name + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllowedUid_GetsIn_AnotherUidIsRefusedWith403ByItsPeerCredentials()
    {
        Processes.Chmod("755", _directory.FullName);
        await using var agent = AgentProcess.Start(["--socket", Socket, "--allow-uid", Processes.Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture)], umask: "077");
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        // Anyone may connect (0666 whatever the umask); SO_PEERCRED decides.
        Assert.Equal("socket 666 0 0", Processes.Stat(Socket));

        var allowed = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "containers");
        Assert.True(allowed.ExitCode == 0, allowed.Error);

        var refused = Processes.ClientAs(Processes.Stranger, [], "--agent", "unix:" + Socket, "containers");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("403", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"uid {Processes.Stranger}", refused.Error, StringComparison.Ordinal);
        Assert.Equal("", refused.Output);
        Assert.Contains($"Refused a connection: uid {Processes.Stranger} (pid ", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_IsRefusedWithoutTls_AndNeedsTheTokenOrAClientCertificate()
    {
        var url = TlsFiles.FreeLoopbackUrl();
        var plain = url.Replace("https://", "http://", StringComparison.Ordinal);
        var tls = new TlsFiles(Path.Combine(_directory.FullName, "tls"));
        foreach (var file in Directory.GetFiles(Path.Combine(_directory.FullName, "tls")).Where(f => !f.EndsWith("key.pem", StringComparison.Ordinal) && !f.EndsWith("token", StringComparison.Ordinal)))
        {
            Processes.Chmod("644", file); // certificates readable by all, keys and token root's
        }
        Processes.Chmod("755", _directory.FullName);
        Processes.Chmod("755", Path.Combine(_directory.FullName, "tls"));

        // Plain http is refused at start, without touching the socket.
        var refusedStart = await AgentProcess.RunToExitAsync(["--socket", Socket, "--urls", plain], Timeout);
        Assert.Equal(2, refusedStart.ExitCode);
        Assert.Contains("without TLS", refusedStart.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Socket));
        var noToken = await AgentProcess.RunToExitAsync(["--socket", Socket, "--urls", url, "--tls-cert", tls.Certificate, "--tls-key", tls.Key], Timeout);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("--token-file", noToken.Output, StringComparison.Ordinal);

        await using (var agent = AgentProcess.Start(["--socket", Socket, .. tls.AgentArgs(url)]))
        {
            Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
            // Unprivileged, plain http to the TLS port: no answer, from the client or from a raw plain HTTP request.
            var plainRequest = Processes.ClientAs(Processes.Nobody, [], "--agent", plain, "containers");
            Assert.Equal(1, plainRequest.ExitCode);
            Assert.Equal("", plainRequest.Output);
            var port = new Uri(url).Port;
            using (var raw = new System.Net.Sockets.TcpClient())
            {
                raw.Connect(System.Net.IPAddress.Loopback, port);
                var stream = raw.GetStream();
                stream.Write("GET /containers HTTP/1.1\r\nHost: agent\r\n\r\n"u8);
                stream.ReadTimeout = 5000;
                var buffer = new byte[4096];
                int read;
                try
                {
                    read = stream.Read(buffer);
                }
                catch (IOException)
                {
                    read = 0;
                }
                Assert.DoesNotContain("HTTP/1.1 200", System.Text.Encoding.Latin1.GetString(buffer, 0, read), StringComparison.Ordinal);
            }
            // TLS, no token: 401.
            var anonymous = Processes.ClientAs(Processes.Nobody, [], "--agent", url, "--ca-cert", tls.Certificate, "containers");
            Assert.Equal(1, anonymous.ExitCode);
            Assert.Contains("401", anonymous.Error, StringComparison.Ordinal);
            // TLS, a guessed token: 401.
            var guessed = Path.Combine(_directory.FullName, "guessed-token");
            File.WriteAllText(guessed, "0123456789abcdef0123456789abcdef\n");
            Processes.Chmod("644", guessed);
            var wrong = Processes.ClientAs(Processes.Nobody, [], "--agent", url, "--ca-cert", tls.Certificate, "--token-file", guessed, "containers");
            Assert.Equal(1, wrong.ExitCode);
            Assert.Contains("401", wrong.Error, StringComparison.Ordinal);
            // The token's holder gets in.
            var holder = Processes.Run(Processes.Client, [.. tls.ClientArgs(url), "containers"]);
            Assert.True(holder.ExitCode == 0, holder.Error);
            Assert.Contains("wrong bearer token", agent.Output, StringComparison.Ordinal);
        }

        // Mutual TLS: a client certificate from the CA gets in, a client without one does not.
        await using (var agent = AgentProcess.Start(["--socket", Socket, "--urls", url, "--tls-cert", tls.Certificate, "--tls-key", tls.Key, "--client-ca", tls.ClientCa]))
        {
            Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
            var withCertificate = Processes.Run(Processes.Client, ["--agent", url, "--ca-cert", tls.Certificate, "--client-cert", tls.ClientCertificate, "--client-key", tls.ClientKey, "containers"]);
            Assert.True(withCertificate.ExitCode == 0, withCertificate.Error);
            var without = Processes.ClientAs(Processes.Nobody, [], "--agent", url, "--ca-cert", tls.Certificate, "containers");
            Assert.Equal(1, without.ExitCode);
            Assert.Equal("", without.Output);
        }
    }
}
