using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gadget.Cli.Tests;

/// <summary>
/// strace's first flags on <c>traceloop run</c>, each checked against what the kernel did for a command whose syscalls the
/// test controls: <c>-T</c> (a sleep's duration), <c>-s</c> (the bytes a read and a write really moved), <c>-e trace=SET</c>,
/// <c>-t</c>/<c>-tt</c>/<c>-ttt</c> (the test's own clock around the run) and <c>--output-file FILE</c>.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class TraceloopPrintFlagsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gadget-print-flags-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DurationsAreTheTimesTheCallsTook()
    {
        var clock = Stopwatch.StartNew();
        var run = await RunAsync(["-T", "--", "/bin/sleep", "0.2"]);
        var elapsed = clock.Elapsed.TotalSeconds;

        var lines = SyscallLines(run.Error);
        // The sleep took at least what it asked for, and no longer than the whole run as the test saw it.
        var sleep = lines.Single(l => Name(l) is "clock_nanosleep" or "nanosleep");
        var slept = Duration(sleep) ?? throw new Xunit.Sdk.XunitException($"no duration on '{sleep}'");
        Assert.True(slept >= 0.2 && slept <= elapsed, $"slept {slept} s of the test's {elapsed:F3} s: {sleep}");
        // -T reads every call's exit time: each call that returned has a duration, exit_group (it never returns) none.
        Assert.All(lines.Where(l => !l.Contains(") = ?", StringComparison.Ordinal)), l => Assert.True(Duration(l) is >= 0, $"no duration on '{l}'"));
        Assert.Null(Duration(lines.Single(l => Name(l) == "exit_group")));
    }

    [Fact]
    public async Task StringLimitCutsWhatTheReadAndTheWriteMoved()
    {
        var file = Path.Combine(_directory, "data.txt");
        var content = string.Concat(Enumerable.Range(0, 40).Select(_ => Guid.NewGuid().ToString("N"))); // 1,280 letters and digits
        await File.WriteAllTextAsync(file, content);

        foreach (var limit in (int[])[5, 0, 300])
        {
            var run = await RunAsync(["-s", limit.ToString(CultureInfo.InvariantCulture), "--", "/bin/cat", file]);
            Assert.Equal(content, run.Output); // cat's own output is the command's

            var lines = SyscallLines(run.Error);
            // The path is printed whole, whatever -s.
            Assert.Contains(lines, l => Name(l) == "openat" && l.Contains($"\"{file}\"", StringComparison.Ordinal));
            // What the kernel gave cat and what cat wrote: the first min(-s, 256) bytes (256: what run records of a buffer).
            var shown = content[..Math.Min(limit, 256)];
            var read = lines.Single(l => Name(l) == "read" && l.EndsWith($" = {content.Length}", StringComparison.Ordinal));
            Assert.StartsWith($"read(3, \"{shown}\"...,", read, StringComparison.Ordinal);
            var write = lines.Single(l => Name(l) == "write" && l.EndsWith($" = {content.Length}", StringComparison.Ordinal));
            Assert.Equal($"write(1, \"{shown}\"..., {content.Length}) = {content.Length}", write);
        }
    }

    [Fact]
    public async Task ATraceSetPrintsOnlyItsSyscallsAndStillTheExit()
    {
        var file = Path.Combine(_directory, "opened.txt");
        await File.WriteAllTextAsync(file, "x");

        var run = await RunAsync(["-e", "trace=openat", "--", "/bin/sh", "-c", $"/bin/cat {file}; exit 3"], expectedExit: 3);
        var lines = SyscallLines(run.Error);
        Assert.All(lines, l => Assert.Equal("openat", Name(l)));
        Assert.Contains(lines, l => l.Contains($"\"{file}\"", StringComparison.Ordinal));
        var exits = run.Error.Split('\n').Where(l => l.Contains("+++ exited with ", StringComparison.Ordinal)).ToList();
        Assert.Contains(exits, l => l.EndsWith("+++ exited with 3 +++", StringComparison.Ordinal));
        Assert.Contains(exits, l => l.EndsWith("+++ exited with 0 +++", StringComparison.Ordinal)); // cat's

        // Negated: everything but openat, and the read of the file is there.
        var negated = SyscallLines((await RunAsync(["-e", "!openat", "--", "/bin/cat", file])).Error);
        Assert.DoesNotContain(negated, l => Name(l) == "openat");
        Assert.Contains(negated, l => Name(l) == "read" && l.EndsWith(" = 1", StringComparison.Ordinal));

        // A class: cat's read of the file takes no file name, its openat of it does.
        var files = SyscallLines((await RunAsync(["-e", "trace=%file", "--", "/bin/cat", file])).Error);
        Assert.Contains(files, l => Name(l) == "openat" && l.Contains($"\"{file}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(files, l => Name(l) == "read");

        // JSON: the same filter, the exit record kept.
        var json = await RunAsync(["-o", "json", "-e", "trace=openat", "--", "/bin/cat", file]);
        var objects = json.Error.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(objects.Where(o => o.TryGetProperty("name", out _)), o => Assert.Equal("openat", o.GetProperty("name").GetString()));
        Assert.Contains(objects, o => o.TryGetProperty("type", out var type) && type.GetString() == "exit");
    }

    [Fact]
    public async Task AnUnknownSyscallOrClassIsRefused()
    {
        (await Tool.Traceloop.RunAsync(["run", "-e", "trace=openat,nosuchsyscall", "--", "/bin/true"])).AssertOneLineFailure(2, "'nosuchsyscall'");
        (await Tool.Traceloop.RunAsync(["run", "-e", "%nosuchclass", "--", "/bin/true"])).AssertOneLineFailure(2, "'%nosuchclass'");
        (await Tool.Traceloop.RunAsync(["run", "-e", "signal=SIGINT", "--", "/bin/true"])).AssertOneLineFailure(2, "trace=SET");
        (await Tool.Traceloop.RunAsync(["run", "-s", "x", "--", "/bin/true"])).AssertOneLineFailure(2, "--string-limit");
    }

    [Fact]
    public async Task TimePrefixesAreTheWallClockOfTheCalls()
    {
        var before = DateTimeOffset.UtcNow;
        var epoch = await RunAsync(["-ttt", "--", "/bin/sh", "-c", "/bin/sleep 0.1"]);
        var local = await RunAsync(["-tt", "--", "/bin/sh", "-c", "/bin/sleep 0.1"]);
        var seconds = await RunAsync(["-t", "--", "/bin/true"]);
        var after = DateTimeOffset.UtcNow;

        // -ttt: seconds since the epoch, between the test's readings of its clock around the runs, in order.
        var stamps = Prefixed(epoch.Error, EpochPrefix()).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
        Assert.True(stamps.Count > 10, epoch.Error);
        Assert.All(stamps, s => Assert.InRange(s, before.ToUnixTimeMilliseconds() / 1000.0 - 0.5, after.ToUnixTimeMilliseconds() / 1000.0 + 0.5));
        Assert.Equal(stamps.Order(), stamps);
        // -tt and -t: the local time of day, the same instants.
        var fromMidnight = (DateTimeOffset t) => t.ToLocalTime().TimeOfDay.TotalSeconds;
        var (low, high) = (fromMidnight(before) - 0.5, fromMidnight(after) + 1);
        foreach (var (run, regex) in ((CliRun, Regex)[])[(local, MicrosecondsPrefix()), (seconds, SecondsPrefix())])
        {
            var times = Prefixed(run.Error, regex).Select(t => TimeSpan.Parse(t, CultureInfo.InvariantCulture).TotalSeconds).ToList();
            Assert.True(times.Count > 10, run.Error);
            // Around midnight the day may turn between the readings.
            Assert.All(times, t => Assert.True(high > low ? t >= low && t <= high : t >= low || t <= high, $"{t} s after midnight, not in {low}..{high}"));
        }
    }

    [Fact]
    public async Task AnOutputFileTakesTheHistoryAndLeavesTheCommandsOwnOutput()
    {
        var file = Path.Combine(_directory, "history.txt");
        var run = await RunAsync(["--output-file", file, "--", "/bin/sh", "-c", "echo out; echo err >&2"]);

        Assert.Equal("out\n", run.Output);
        Assert.Equal(["err"], run.ErrorLines.Where(l => !l.StartsWith("traceloop: ", StringComparison.Ordinal)));
        var history = await File.ReadAllLinesAsync(file);
        Assert.Contains(history, l => l.StartsWith("write(1, \"out\\n\", 4) = 4", StringComparison.Ordinal));
        Assert.Contains(history, l => l.StartsWith("write(", StringComparison.Ordinal) && l.EndsWith(", \"err\\n\", 4) = 4", StringComparison.Ordinal)); // dash writes it to 1, made a copy of 2
        Assert.Equal("+++ exited with 0 +++", history[^1]);

        // Both a format and a file: JSON in the file.
        var json = Path.Combine(_directory, "history.jsonl");
        var jsonRun = await RunAsync(["-o", "json", "--output-file", json, "--", "/bin/true"]);
        Assert.DoesNotContain(jsonRun.ErrorLines, l => l.StartsWith('{'));
        Assert.All(await File.ReadAllLinesAsync(json), l => JsonDocument.Parse(l).Dispose());
    }

    /// <summary>
    /// A flag right before '--' (<c>run -T -- sh -c ...</c>): System.CommandLine took the command's own options for
    /// traceloop's ("unrecognized option '-c'") while flags took an optional value, --exit-timestamps too.
    /// </summary>
    [Fact]
    public async Task AFlagRightBeforeTheDoubleDashLeavesTheCommandsOptionsAlone()
    {
        foreach (var flag in (string[])["-T", "-t", "-tt", "-ttt", "--exit-timestamps"])
        {
            await RunAsync([flag, "--", "/bin/sh", "-c", "exit 4"], expectedExit: 4);
        }
    }

    private static async Task<CliRun> RunAsync(string[] arguments, int expectedExit = 0)
    {
        var run = await Tool.Traceloop.RunAsync(["run", .. arguments]);
        Assert.True(run.ExitCode == expectedExit, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        return run;
    }

    /// <summary>The history's syscall lines (not traceloop's own, nor process exits).</summary>
    private static List<string> SyscallLines(string error) =>
        [.. error.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("traceloop: ", StringComparison.Ordinal) && !l.Contains("+++ ", StringComparison.Ordinal) && !l.StartsWith("---", StringComparison.Ordinal) && !l.StartsWith('{'))];

    private static string Name(string line) => SyscallName().Match(line) is { Success: true } match ? match.Groups["name"].Value : "";

    /// <summary>The -T duration at the line's end, or null.</summary>
    private static double? Duration(string line) =>
        DurationSuffix().Match(line) is { Success: true } match ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The prefix <paramref name="regex"/> finds on every line of the history, process exits included.</summary>
    private static List<string> Prefixed(string error, Regex regex)
    {
        var lines = error.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("traceloop: ", StringComparison.Ordinal)).ToList();
        Assert.All(lines, l => Assert.Matches(regex, l));
        return [.. lines.Select(l => regex.Match(l).Groups[1].Value)];
    }

    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(?:[\d:.]+ )?(?<name>[a-z_][a-z0-9_]*)\(")]
    private static partial Regex SyscallName();

    [GeneratedRegex(@" <(\d+\.\d{6})>$")]
    private static partial Regex DurationSuffix();

    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(\d{9,}\.\d{6}) ")]
    private static partial Regex EpochPrefix();

    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(\d\d:\d\d:\d\d\.\d{6}) ")]
    private static partial Regex MicrosecondsPrefix();

    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(\d\d:\d\d:\d\d) ")]
    private static partial Regex SecondsPrefix();
}
