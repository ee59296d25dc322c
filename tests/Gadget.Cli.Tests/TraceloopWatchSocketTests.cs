namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop watch --socket PATH</c> where no socket can be made: one line naming the path and what to do, a non-zero
/// exit, and no <c>ready:</c> before it. It said .NET's words (<c>SocketException: Permission denied</c>, <c>Could not find a
/// part of the path</c>, an <c>ArgumentOutOfRangeException</c> about domain sockets), and a file that was not a socket was
/// deleted and replaced by the watch's socket (then removed at its exit): its content was lost.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopWatchSocketTests : IDisposable
{
    /// <summary>A watch that records containers as uid 65534 (CapabilityTests' documented set).</summary>
    private static readonly string[] WatchCapabilities = ["bpf", "perfmon", "dac_read_search", "sys_ptrace"];

    private static readonly TimeSpan ExitGuard = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-watch-socket-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task AMissingDirectoryIsNamed()
    {
        var path = Path.Combine(_directory.FullName, "missing", "traceloop.sock");
        var run = await WatchAsync(path);
        AssertRefusedBeforeReady(run, 1, path);
        Assert.Contains($"the directory {Path.GetDirectoryName(path)} does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APathTooLongForAUnixSocketIsABadValue()
    {
        var path = Path.Combine(_directory.FullName, new string('s', 120) + ".sock");
        var run = await WatchAsync(path);
        AssertRefusedBeforeReady(run, 2, path);
        Assert.Contains($"is {System.Text.Encoding.UTF8.GetByteCount(path)} bytes long, and a Unix socket's path is at most", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileThatIsNotASocketIsLeftAlone()
    {
        var path = Path.Combine(_directory.FullName, "notes.txt");
        var content = $"not a socket {Guid.NewGuid():N}\n";
        await File.WriteAllTextAsync(path, content);
        var run = await WatchAsync(path);
        AssertRefusedBeforeReady(run, 1, path);
        Assert.Contains("exists and is not a socket", run.Error, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task ADirectoryIsNotTakenForTheSocket()
    {
        var path = Directory.CreateDirectory(Path.Combine(_directory.FullName, "sockets")).FullName;
        var run = await WatchAsync(path);
        AssertRefusedBeforeReady(run, 1, path);
        Assert.Contains("is a directory", run.Error, StringComparison.Ordinal);
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public async Task ADirectoryThisUserMayNotWriteIsNamed()
    {
        // The test's own directory, root's and 0755 (CreateTempSubdirectory makes it 0700: uid 65534 could not even look).
        File.SetUnixFileMode(_directory.FullName, (UnixFileMode)0x1ED);
        var path = Path.Combine(_directory.FullName, "traceloop.sock");
        var run = await WatchAsync(path, WatchCapabilities);
        AssertRefusedBeforeReady(run, 1, path);
        Assert.Contains($"may not make a file in {_directory.FullName} (permission denied)", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    /// <summary>A second watch on a live watch's socket: it replaced the first one's socket (which then served nobody), and
    /// the first, at its exit, deleted the second's.</summary>
    [Fact]
    public async Task ASocketAnotherWatchListensOnIsLeftToIt()
    {
        var path = Path.Combine(_directory.FullName, "traceloop.sock");
        using var first = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", path);
        await first.WaitReadyAsync();

        var second = await WatchAsync(path);
        AssertRefusedBeforeReady(second, 1, path);
        Assert.Contains("another process (pid ", second.Error, StringComparison.Ordinal);
        Assert.Contains("listens on it", second.Error, StringComparison.Ordinal);
        // The first watch still answers on its own socket.
        var dump = await Tool.Traceloop.RunAsync(["dump", "no-such-container", "--socket", path]);
        Assert.DoesNotContain("permission denied", dump.Error, StringComparison.Ordinal);
        Assert.Contains("no-such-container", dump.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, dump.ExitCode);
    }

    /// <summary>A watch whose socket file was removed by hand, and made again by another watch, deleted that one's at exit
    /// (.NET deletes the file a socket was bound to when it is disposed).</summary>
    [Fact]
    public async Task AWatchLeavesTheSocketAnotherMadeAfterItsOwnWasRemoved()
    {
        var path = Path.Combine(_directory.FullName, "traceloop.sock");
        using var first = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", path);
        await first.WaitReadyAsync();
        File.Delete(path);
        using var second = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", path);
        await second.WaitReadyAsync();

        Assert.Equal(0, await first.InterruptAsync());
        Assert.True(File.Exists(path), "the first watch deleted the second one's socket");
        Assert.Equal([path], Directory.GetFileSystemEntries(_directory.FullName)); // no temporary name left behind
        var dump = await Tool.Traceloop.RunAsync(["dump", "no-such-container", "--socket", path]);
        Assert.Contains("no-such-container", dump.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("refused", dump.Error, StringComparison.Ordinal);
    }

    private static void AssertRefusedBeforeReady(CliRun run, int exitCode, string path)
    {
        Assert.DoesNotContain(": ready: ", run.Error, StringComparison.Ordinal);
        run.AssertOneLineFailure(exitCode, path);
        Assert.StartsWith("traceloop: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>traceloop watch --all --socket PATH</c>; one still running after <see cref="ExitGuard"/> (it said it was
    /// ready) is ended, and its exit code is -1.</summary>
    private static async Task<CliRun> WatchAsync(string path, IReadOnlyList<string>? capabilities = null)
    {
        string[] arguments = ["watch", "--all", "--socket", path];
        using var process = Tool.Traceloop.Start(arguments, capabilities: capabilities);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var exitCode = -1;
        try
        {
            await process.WaitForExitAsync().WaitAsync(ExitGuard);
            exitCode = process.ExitCode;
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new CliRun($"traceloop {string.Join(' ', arguments)}", exitCode, await output, await error);
    }
}
