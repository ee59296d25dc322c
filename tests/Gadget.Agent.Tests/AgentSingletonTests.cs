namespace Gadget.Agent.Tests;

/// <summary>One agent per socket; <c>--help</c> and bad flags never touch it.</summary>
[Collection("agent processes")]
public sealed class AgentSingletonTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-single-");

    private string Socket => Path.Combine(_directory.FullName, "agent.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task SecondAgent_ExitsNonZeroAndSaysSo_HelpAndBadFlagsLeaveTheSocket_FirstKeepsAnswering()
    {
        await using var first = AgentProcess.Start(["--socket", Socket]);
        Assert.True(await first.WaitAnsweringAsync(Socket, Timeout), first.Output);
        var inode = Processes.Run("stat", ["-c", "%i", Socket]).Output.Trim();

        var second = await AgentProcess.RunToExitAsync(["--socket", Socket], Timeout);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"another gadget-agent (pid {first.Pid}) answers on {Socket}", second.Output, StringComparison.Ordinal);

        var help = await AgentProcess.RunToExitAsync(["--socket", Socket, "--help"], Timeout);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("gadget-agent [options]", help.Output, StringComparison.Ordinal);
        Assert.Contains("--socket-group", help.Output, StringComparison.Ordinal);

        var unknown = await AgentProcess.RunToExitAsync(["--socket", Socket, "--bogus"], Timeout);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unrecognized option '--bogus'", unknown.Output, StringComparison.Ordinal);
        var missing = await AgentProcess.RunToExitAsync(["--socket", Socket, "--max-streams"], Timeout);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Required argument missing for option: '--max-streams'", missing.Output, StringComparison.Ordinal);

        // The first agent still owns the same socket file and answers on it.
        Assert.Equal(inode, Processes.Run("stat", ["-c", "%i", Socket]).Output.Trim());
        Assert.False(first.HasExited);
        var answer = Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "containers"]);
        Assert.True(answer.ExitCode == 0, answer.Error);
    }

    [Fact]
    public async Task StaleSocketFile_IsReplaced_AFileThatIsNotASocketIsLeftAlone()
    {
        // A socket file nobody listens on: what an agent killed with SIGKILL leaves.
        await using (var killed = AgentProcess.Start(["--socket", Socket]))
        {
            Assert.True(await killed.WaitAnsweringAsync(Socket, Timeout), killed.Output);
            Processes.Signal(killed.Pid, "KILL");
            Assert.True(await killed.WaitForExitAsync(Timeout));
        }
        Assert.StartsWith("socket", Processes.Stat(Socket), StringComparison.Ordinal);
        await using (var agent = AgentProcess.Start(["--socket", Socket]))
        {
            Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        }
        Assert.False(File.Exists(Socket), "the agent left its socket file");

        File.WriteAllText(Socket, "not a socket");
        var refused = await AgentProcess.RunToExitAsync(["--socket", Socket], Timeout);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("is not a socket", refused.Output, StringComparison.Ordinal);
        Assert.Equal("not a socket", File.ReadAllText(Socket));
    }
    [Fact]
    public async Task AStoppedAgentRemovesItsLockFile_AgentsStartingTogetherOrAsOneStopsNeverBothRun()
    {
        var lockFile = Socket + ".lock";
        await using (var agent = AgentProcess.Start(["--socket", Socket]))
        {
            Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
            Assert.True(File.Exists(lockFile));
        }
        Assert.False(File.Exists(Socket), "the agent left its socket file");
        Assert.False(File.Exists(lockFile), "the agent left its lock file");

        // Two agents started at once, then two more started the moment the survivor is told to stop (the window where it
        // unlinks its lock file): at most one of each pair ever runs, whichever it is answers, and each leaves no lock file.
        AgentProcess? running = null;
        for (var round = 0; round < 3; round++)
        {
            var stopping = running;
            if (stopping is not null)
            {
                Processes.Signal(stopping.Pid, "TERM");
            }
            AgentProcess[] pair = [AgentProcess.Start(["--socket", Socket]), AgentProcess.Start(["--socket", Socket])];
            try
            {
                if (stopping is not null)
                {
                    Assert.True(await stopping.WaitForExitAsync(Timeout), stopping.Output);
                    Assert.Equal(0, stopping.ExitCode);
                    await stopping.DisposeAsync();
                }
                var survivors = await SettleAsync(pair);
                Assert.True(survivors.Count <= 1, $"two agents run on one socket:\n{pair[0].Output}\n{pair[1].Output}");
                foreach (var failed in pair.Except(survivors))
                {
                    Assert.True(await failed.WaitForExitAsync(Timeout));
                    Assert.Equal(1, failed.ExitCode);
                    Assert.Contains("gadget-agent", failed.Output, StringComparison.Ordinal);
                }
                running = survivors.SingleOrDefault();
                if (running is not null)
                {
                    Assert.True(await running.WaitAnsweringAsync(Socket, Timeout), running.Output);
                    var answer = Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "containers"]);
                    Assert.True(answer.ExitCode == 0, answer.Error);
                }
                foreach (var agent in pair.Except(survivors))
                {
                    await agent.DisposeAsync();
                }
            }
            catch
            {
                foreach (var agent in pair)
                {
                    await agent.DisposeAsync();
                }
                throw;
            }
        }
        if (running is not null)
        {
            await running.DisposeAsync();
        }
        Assert.False(File.Exists(lockFile), "the last agent left its lock file");
    }

    /// <summary>
    /// A SIGTERM in the agent's first tenths of a second (after the runtime's own start, before the web host handles
    /// signals) was swallowed: the agent then ran on for good. It now stops the agent (exit 0, or 143 by the signal's
    /// default action in the runtime's first ~25 ms), which leaves neither socket nor lock file.
    /// </summary>
    [Theory]
    [InlineData(100)]
    [InlineData(200)]
    public async Task ASigtermWhileStarting_StopsTheAgent(int milliseconds)
    {
        await using var agent = AgentProcess.Start(["--socket", Socket, "--kubernetes", "off"]);
        await Task.Delay(milliseconds);
        Processes.Signal(agent.Pid, "TERM");
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the agent ran on after SIGTERM:\n" + agent.Output);
        Assert.True(agent.ExitCode is 0 or 143, $"exit {agent.ExitCode}:\n{agent.Output}");
        Assert.False(File.Exists(Socket), "the agent left its socket file");
        Assert.False(File.Exists(Socket + ".lock"), "the agent left its lock file");
    }

    /// <summary>Waits until each agent of <paramref name="pair"/> has exited or answers; returns those still running.</summary>
    private async Task<List<AgentProcess>> SettleAsync(AgentProcess[] pair)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            var alive = pair.Where(agent => !agent.HasExited).ToList();
            if (alive.Count == 0 || (alive.Count == 1 && await alive[0].WaitAnsweringAsync(Socket, TimeSpan.FromSeconds(1))))
            {
                // Give a loser a moment to reach its own exit, then look again.
                await Task.Delay(500);
                return [.. pair.Where(agent => !agent.HasExited)];
            }
            await Task.Delay(100);
        }
        return [.. pair.Where(agent => !agent.HasExited)];
    }
}
