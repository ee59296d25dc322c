using Xunit.Abstractions;

namespace Gadget.Cli.Tests;

/// <summary>
/// A SIGINT or SIGTERM that comes while a tool is still starting (<c>timeout</c>, systemd, a script that changed its mind)
/// stops it as one a moment later does. Until the tool handles the signals, the signal's default action ends it (exit 143,
/// silently, nothing attached yet); that window is the runtime's own start only when the tool handles them before it
/// builds its commands (<c>CliHost.RunAsync(tool, Func&lt;RootCommand&gt;, args)</c>). syscallcount and bpfskeleton built
/// theirs first: they handled the signals ~35-45 ms after their own code began (median, at load 3-9 here), ~13 ms now.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class StartupSignalTests(ITestOutputHelper output)
{
    private static readonly Tool[] Tools = [Tool.Gadgets, Tool.Traceloop, Tool.SyscallCount, Tool.BpfSkeleton, Tool.Client, Tool.Agent];

    /// <summary>
    /// Where in the window a given delay lands depends on the machine's load, so whether the tool handles the signals before
    /// it builds its commands is checked in the order the runtime first runs the code, which does not depend on it: with
    /// every method compiled on its first call (no precompiled code: <c>DOTNET_ReadyToRun=0</c>) and listed as compiled
    /// (<c>DOTNET_JitDisasmSummary</c>), the first <c>PosixSignalRegistration.Create</c> must come before the first command,
    /// option or argument (<c>System.CommandLine.Symbol</c>) is made.
    /// </summary>
    [Theory]
    [InlineData("gadgets")]
    [InlineData("traceloop")]
    [InlineData("syscallcount")]
    [InlineData("bpfskeleton")]
    [InlineData("gadget")]
    [InlineData("gadget-agent")]
    public async Task SignalsAreHandledBeforeTheCommandsAreBuilt(string name)
    {
        var tool = Tools.Single(t => t.Name == name);
        var compiled = Path.Combine(Path.GetTempPath(), $"gadget-jit-{name}-{Guid.NewGuid():N}.txt");
        try
        {
            var run = await tool.RunAsync(["--help"], environment: new Dictionary<string, string>
            {
                ["DOTNET_ReadyToRun"] = "0",
                ["DOTNET_JitDisasmSummary"] = "1",
                ["DOTNET_JitStdOutFile"] = compiled,
            });
            Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
            var methods = File.ReadAllLines(compiled);
            var handled = Array.FindIndex(methods, m => m.Contains("System.Runtime.InteropServices.PosixSignalRegistration:Create(", StringComparison.Ordinal));
            var built = Array.FindIndex(methods, m => m.Contains("System.CommandLine.Symbol:.ctor(", StringComparison.Ordinal));
            Assert.True(handled >= 0 && built >= 0, $"{name}: {methods.Length} methods compiled, signals handled at {handled}, first symbol made at {built}");
            Assert.True(handled < built, $"{name} builds its commands before it handles SIGINT/SIGTERM (compiled: {methods[built].Trim()} before {methods[handled].Trim()}): a signal meanwhile ends it silently (exit 143)");
        }
        finally
        {
            File.Delete(compiled);
        }
    }

    /// <summary>
    /// A SIGTERM at any point of the start, and once the tool is ready: the tool ends within the hang guard of
    /// System.CommandLine's termination timeout (15 s), with exit 0 (stopped cleanly: before its command began, or by it), or
    /// 143 when the signal came before the runtime ran the tool's code (its default action). Never does it run on to its end
    /// (600 s) or exit another way.
    /// </summary>
    [Theory]
    [InlineData("syscallcount", new[] { "600" }, "SYSCALLS")]
    [InlineData("bpfskeleton", new[] { "1000" }, "counts[")]
    [InlineData("gadgets", new[] { "execsnoop", "--host", "--timeout", "600" }, null)]
    public async Task ASigtermAtAnyPointOfItsStart_EndsTheTool(string name, string[] arguments, string? outputOnceReady)
    {
        var tool = Tools.Single(t => t.Name == name);
        foreach (var milliseconds in (int[])[0, 20, 40, 60, 80, 100, 150, 200, 300, 500, -1])
        {
            using var run = new RunningTool(tool, arguments);
            if (milliseconds >= 0)
            {
                await Task.Delay(milliseconds);
            }
            else
            {
                await run.WaitReadyAsync();
            }
            var code = await run.SignalAsync("TERM");
            var when = milliseconds >= 0 ? $"{milliseconds} ms after start" : "once ready";
            output.WriteLine($"{when}: exit {code}, ended {run.StopTime.TotalMilliseconds:F0} ms after the signal");
            Assert.True(code is 0 or 143, $"{run.CommandLine}: SIGTERM {when}: exit {code}\n{run.Error}");
            Assert.True(run.StopTime < TimeSpan.FromSeconds(15), $"{run.CommandLine}: SIGTERM {when}: it took {run.StopTime} to end\n{run.Error}");
            Assert.DoesNotContain("Unhandled exception", run.Error, StringComparison.Ordinal);
            if (milliseconds < 0)
            {
                // Ready: its handler stops it, and it says what it saw (syscallcount its counts, bpfskeleton its events).
                Assert.True(code == 0, $"{run.CommandLine}: SIGTERM once ready: exit {code}\n{run.Error}");
                if (outputOnceReady is not null)
                {
                    Assert.True(run.Lines.Any(l => l.Contains(outputOnceReady, StringComparison.Ordinal)), $"{run.CommandLine}: no '{outputOnceReady}' after SIGTERM once ready:\n{string.Join('\n', run.Lines)}\n{run.Error}");
                }
            }
        }
    }
}
