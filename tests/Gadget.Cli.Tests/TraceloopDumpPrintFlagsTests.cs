using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gadget.Containers.Tests;

namespace Gadget.Cli.Tests;

/// <summary>
/// strace's printing flags on <c>traceloop watch</c> (a crashed container's history, <c>--output-file FILE</c>) and on
/// <c>traceloop dump</c> (sent to the watch in its request line), on a runc container whose syscalls the test chooses:
/// it opens a missing file and writes a known line to /dev/null in a loop, then exits 3.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class TraceloopDumpPrintFlagsTests
{
    [Fact]
    public async Task DumpAndCrashHistoriesArePrintedAsAsked()
    {
        var id = RuncContainer.NewId("print-flags");
        var directory = Directory.CreateTempSubdirectory("gadget-dump-flags-").FullName;
        var socket = Path.Combine(directory, "watch.sock");
        var crashes = Path.Combine(directory, "crashes.txt");
        try
        {
            // The watch: neither -T nor --exit-timestamps; its crash histories to a file, openat and write only, -tt.
            using var watch = new RunningTool(Tool.Traceloop, "watch", "--id", id, "--socket", socket, "--output-file", crashes, "-e", "trace=openat,write", "-tt");
            await watch.WaitReadyAsync();
            var marker = $"/print-flags-{Guid.NewGuid():N}"[..24];
            var before = DateTimeOffset.UtcNow;
            using var container = RuncContainer.Create(id,
                ["sh", "-c", $"i=0; while [ $i -lt 25 ]; do cat {marker} 2>/dev/null; echo {marker} > /dev/null; sleep 0.2; i=$((i+1)); done; exit 3"]);

            // dump -e trace=openat,write -ttt -T -s 4, until the history holds the container's loop.
            var deadline = Stopwatch.StartNew();
            CliRun dump;
            do
            {
                await Task.Delay(300);
                dump = await Tool.Traceloop.RunAsync(["dump", id, "--socket", socket, "-e", "trace=openat,write", "-ttt", "-T", "-s", "4"]);
            }
            while (!dump.Output.Contains(marker, StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(60));
            var after = DateTimeOffset.UtcNow;
            Assert.True(dump.ExitCode == 0 && dump.Output.Contains(marker, StringComparison.Ordinal), $"{dump.CommandLine}: exit {dump.ExitCode}\n{dump.Output}\n{dump.Error}\nwatch:\n{watch.Error}");

            var lines = dump.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // The watch reads exit times of blocked calls only: it says what -T then lacks.
            Assert.StartsWith("--- traceloop: this watch reads the exit time only of calls that blocked", lines[0], StringComparison.Ordinal);
            var calls = lines.Where(l => !l.StartsWith("---", StringComparison.Ordinal) && !l.Contains("+++ ", StringComparison.Ordinal)).ToList();
            Assert.All(calls, l => Assert.Matches(EpochLine(), l));
            Assert.All(calls, l => Assert.Contains(EpochLine().Match(l).Groups["name"].Value, (string[])["openat", "write"]));
            var stamps = calls.Select(l => double.Parse(EpochLine().Match(l).Groups["time"].Value, CultureInfo.InvariantCulture)).ToList();
            Assert.All(stamps, s => Assert.InRange(s, before.ToUnixTimeMilliseconds() / 1000.0 - 0.5, after.ToUnixTimeMilliseconds() / 1000.0 + 0.5));
            // The missing file, whole (a path), and the line echo wrote, cut at 4 bytes.
            Assert.Contains(calls, l => l.Contains($"openat(AT_FDCWD, \"{marker}\", O_RDONLY) = -1 ENOENT", StringComparison.Ordinal));
            Assert.Contains(calls, l => l.Contains($"write(1, \"{marker[..4]}\"..., {marker.Length + 1}) = {marker.Length + 1}", StringComparison.Ordinal));

            // JSON to a file, the same filter; and a dump without options (the old request line) is not filtered.
            var json = Path.Combine(directory, "dump.jsonl");
            var jsonDump = await Tool.Traceloop.RunAsync(["dump", id, "--socket", socket, "-o", "json", "--output-file", json, "-e", "trace=openat"]);
            Assert.True(jsonDump.ExitCode == 0 && jsonDump.Output.Length == 0, $"{jsonDump.CommandLine}: exit {jsonDump.ExitCode}\n{jsonDump.Output}\n{jsonDump.Error}");
            var names = File.ReadLines(json).Select(l => JsonDocument.Parse(l).RootElement).Where(o => o.TryGetProperty("name", out _)).Select(o => o.GetProperty("name").GetString()).ToList();
            Assert.Contains("openat", names);
            Assert.All(names, n => Assert.Equal("openat", n));
            var plain = await Tool.Traceloop.RunAsync(["dump", id, "--socket", socket]);
            Assert.Contains(plain.Output.Split('\n'), l => l.StartsWith("wait4(", StringComparison.Ordinal) || l.Contains("] wait4(", StringComparison.Ordinal));

            // The crash: the watch's history of it in its file, as the watch's flags say; nothing on its standard output.
            deadline.Restart();
            while (!(File.Exists(crashes) && File.ReadAllText(crashes).Contains("=== end of ", StringComparison.Ordinal)) && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
            var crash = File.ReadAllLines(crashes);
            Assert.True(crash.Length > 2 && crash[0].StartsWith("=== container ", StringComparison.Ordinal) && crash[^1].StartsWith("=== end of ", StringComparison.Ordinal), string.Join('\n', crash));
            var history = crash[1..^1].Where(l => !l.StartsWith("---", StringComparison.Ordinal)).ToList();
            Assert.All(history, l => Assert.Matches(TimeOfDayLine(), l));
            Assert.All(history.Where(l => !l.Contains("+++ ", StringComparison.Ordinal)), l => Assert.Contains(TimeOfDayLine().Match(l).Groups["name"].Value, (string[])["openat", "write"]));
            Assert.Contains(history, l => l.EndsWith("+++ exited with 3 +++", StringComparison.Ordinal));
            Assert.Contains(history, l => l.Contains($"write(1, \"{marker}\\n\", {marker.Length + 1})", StringComparison.Ordinal)); // the watch's -s 32
            Assert.Empty(watch.Lines);
            await watch.InterruptExpectingSuccessAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A -ttt line: <c>[pid N] 1700000000.123456 name(...)</c> or a process exit.</summary>
    [GeneratedRegex(@"^(?:\[pid +\d+\] )?(?<time>\d{9,}\.\d{6}) (?:(?<name>[a-z_][a-z0-9_]*)\(|\+\+\+ )")]
    private static partial Regex EpochLine();

    /// <summary>A -tt line: <c>[pid N] 14:03:07.123456 name(...)</c> or a process exit.</summary>
    [GeneratedRegex(@"^(?:\[pid +\d+\] )?\d\d:\d\d:\d\d\.\d{6} (?:(?<name>[a-z_][a-z0-9_]*)\(|\+\+\+ )")]
    private static partial Regex TimeOfDayLine();
}
