using System.Diagnostics;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop dump --socket PATH</c> prints what the process listening on PATH sends. A local user (uid 65534, no
/// capability) who listens on a socket in /tmp is no watch: root's dump refuses it (exit 1, naming the user) and prints
/// nothing of what it sends, here a forged history line with ESC sequences (clear the screen, set the terminal title).
/// A watch run by another user with the capabilities it needs is still believed (CapabilityTests).
/// </summary>
public sealed class TraceloopDumpServerTrustTests
{
    // Listens on argv[1] as whoever runs it, answers one client with a forged line, then exits.
    private const string ForgedWatch = """
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.bind(sys.argv[1] + ".tmp"); os.chmod(sys.argv[1] + ".tmp", 0o777); s.listen(1); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        s.settimeout(30)
        c, _ = s.accept()
        c.recv(4096)
        c.sendall(b"\x1b[2J\x1b]0;PWNED\x07execve(\"/bin/forged\", [], NULL) = 0\n")
        c.close()
        """;

    /// <param name="ownUserNamespace">The forger runs as root of a user namespace of its own (<c>unshare -Ur</c>), where
    /// /proc/PID/status shows every capability in its effective set: none of them loads a BPF program.</param>
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASocketOfAnUnprivilegedUserIsNotBelieved(bool ownUserNamespace)
    {
        string[] asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
        string[] launcher = ownUserNamespace ? [.. asNobody, "unshare", "-Ur"] : asNobody;
        // Probed: a kernel that lets no unprivileged user make a user namespace leaves nobody this way to forge.
        Skip.If(ownUserNamespace && !await SucceedsAsync("setpriv", [.. launcher, "/bin/true"]), "this kernel lets no unprivileged user make a user namespace (unshare -Ur as uid 65534 failed)");
        var directory = Directory.CreateTempSubdirectory("gadget-forged-watch-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("1777", 8));
        var socket = Path.Combine(directory, "traceloop.sock");
        using var forger = Process.Start(new ProcessStartInfo("setpriv", [.. launcher, "/usr/bin/python3", "-c", ForgedWatch, socket])
        {
            RedirectStandardError = true,
        })!;
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(socket) && !forger.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50);
            }
            Assert.True(File.Exists(socket), $"the forger did not listen: {(forger.HasExited ? forger.StandardError.ReadToEnd() : "")}");

            var dump = await Tool.Traceloop.RunAsync(["dump", "web", "--socket", socket]);

            dump.AssertOneLineFailure(1, "is served by user 65534");
            Assert.Empty(dump.Output);
            Assert.DoesNotContain("/bin/forged", dump.Error, StringComparison.Ordinal);
        }
        finally
        {
            if (!forger.HasExited)
            {
                forger.Kill();
            }
            await forger.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<bool> SucceedsAsync(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0;
    }
}
