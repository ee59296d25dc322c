using System.Text.Json;
using System.Text.RegularExpressions;
using Gadget.Containers.Tests;

namespace Gadget.Agent.Tests;

/// <summary>
/// strace's printing flags on <c>gadget traceloop dump</c> (<c>-s</c>, <c>-T</c>, <c>-t/-tt/-ttt</c>, <c>-e trace=SET</c>),
/// sent to the agent as query parameters that its history endpoint prints with: one container's history dumped with each,
/// against the same history dumped without. A bad value is exit 2 when the client sees it, the agent's 400 (exit 1) when
/// only the agent can (a syscall name: its table is the node's).
/// </summary>
public sealed partial class AgentPrintFlagsTests(AgentHostFixture agent) : IClassFixture<AgentHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheFlagsChangeTheDumpAsStraceWould()
    {
        var prefix = RuncContainer.NewId("agent-print");
        var trace = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "start", "--id", prefix, "--exit-timestamps");
        Assert.True(trace.ExitCode == 0, trace.Error);
        try
        {
            var marker = $"/agent-print-{Guid.NewGuid():N}"[..24];
            using var container = RuncContainer.Run(RuncContainer.NewId(prefix),
                ["sh", "-c", $"sleep 1; cat {marker} 2>/dev/null; echo {marker} > /dev/null; cat /proc/sys/kernel/ostype > /dev/null"]);
            Assert.True(container.WaitStopped(Timeout), "the container did not stop");

            var plain = await DumpAsync(container.Id);
            var echo = $"write(1, \"{marker}\\n\", {marker.Length + 1}) = {marker.Length + 1}";
            Assert.Contains(plain, l => l.Contains(echo, StringComparison.Ordinal));
            Assert.Contains(plain, l => Name(l) is "execve");
            Assert.DoesNotContain(plain, l => Duration().IsMatch(l));

            // -e trace=openat: the openat lines of the plain dump, and nothing else but process exits.
            var openat = await DumpAsync(container.Id, "-e", "trace=openat");
            Assert.Contains(openat, l => l.Contains($"openat(AT_FDCWD, \"{marker}\", O_RDONLY) = -1 ENOENT", StringComparison.Ordinal));
            Assert.All(openat.Where(l => !l.Contains("+++ ", StringComparison.Ordinal)), l => Assert.Equal("openat", Name(l)));
            Assert.Equal(plain.Where(l => Name(l) is "openat"), openat.Where(l => Name(l) is "openat"));

            // -s 4 cuts the echo's line, not the path.
            var cut = await DumpAsync(container.Id, "-s", "4");
            Assert.Contains(cut, l => l.Contains($"write(1, \"{marker[..4]}\"..., {marker.Length + 1}) = {marker.Length + 1}", StringComparison.Ordinal));
            Assert.Contains(cut, l => l.Contains($"\"{marker}\"", StringComparison.Ordinal));

            // -T: every call that returned ends with its duration (the trace reads every exit's clock).
            var timed = await DumpAsync(container.Id, "-T");
            Assert.All(timed.Where(l => Name(l) is { } name && name != "exit_group" && !l.EndsWith("= ?", StringComparison.Ordinal)), l => Assert.Matches(Duration(), l));

            // -tt: the time of day before each call; -ttt: the seconds since the epoch, within the test's run.
            var clock = await DumpAsync(container.Id, "-tt", "-e", "openat");
            Assert.NotEmpty(clock);
            Assert.All(clock, l => Assert.Matches(@"^(\[pid +\d+\] )?\d\d:\d\d:\d\d\.\d{6} ", l));
            var epoch = await DumpAsync(container.Id, "-ttt");
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.All(epoch, l => Assert.InRange(double.Parse(Epoch().Match(l).Groups["time"].Value, System.Globalization.CultureInfo.InvariantCulture), now - 120, now + 1));

            // JSON, filtered too.
            var json = await DumpAsync(container.Id, "-o", "json", "-e", "/^write$");
            var names = json.Select(l => JsonDocument.Parse(l).RootElement).Where(o => o.TryGetProperty("name", out _)).Select(o => o.GetProperty("name").GetString()).ToList();
            Assert.Contains("write", names);
            Assert.All(names, n => Assert.Equal("write", n));
        }
        finally
        {
            var stop = await agent.RunClientAsync("--agent", agent.SocketAgent, "traceloop", "stop", trace.Output.Trim());
            Assert.True(stop.ExitCode == 0, stop.Error);
        }
    }

    [Theory]
    [InlineData(2, "--string-limit is a whole number from 0 to 2147483647, not '-1'.", "-s", "-1")]
    [InlineData(2, "--trace (-e): takes trace=SET only (strace's signal= is not supported)", "-e", "signal=none")]
    [InlineData(2, "--trace (-e): 'trace=' names no syscall", "-e", "trace=")]
    [InlineData(1, "400 Bad Request: trace: unknown syscall 'nosuchcall'.", "-e", "openat,nosuchcall")]
    [InlineData(1, "400 Bad Request: trace: unknown syscall class '%nosuchclass'", "-e", "%nosuchclass")]
    public async Task ABadValueIsOneLineThatNamesIt(int exitCode, string message, params string[] flags)
    {
        var dump = await agent.RunClientAsync(["--agent", agent.SocketAgent, "traceloop", "dump", "nosuchcontainer", .. flags]);
        Assert.True(dump.ExitCode == exitCode, $"exit {dump.ExitCode}: {dump.Error}");
        Assert.Contains(message, dump.Error, StringComparison.Ordinal);
        Assert.Single(dump.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(message, StringComparison.Ordinal));
    }

    private async Task<List<string>> DumpAsync(string container, params string[] flags)
    {
        var dump = await agent.RunClientAsync(["--agent", agent.SocketAgent, "traceloop", "dump", container, .. flags]);
        Assert.True(dump.ExitCode == 0, $"dump {container} {string.Join(' ', flags)}: exit {dump.ExitCode}: {dump.Error}");
        return [.. dump.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("---", StringComparison.Ordinal))];
    }

    /// <summary>The syscall a text line prints (after its prefixes), or null for a process exit.</summary>
    private static string? Name(string line) => Call().Match(line) is { Success: true } m ? m.Groups["name"].Value : null;

    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(?:[\d:.]+ )?(?<name>[a-z_][a-z0-9_]*)\(")]
    private static partial Regex Call();

    [GeneratedRegex(@" <\d+\.\d{6}>$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(?<time>\d{9,}\.\d{6}) ")]
    private static partial Regex Epoch();
}
