using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>gadgets execsnoop --output-buffering</c> to a pipe: held output still reaches the reader after a quiet moment
/// (auto: at most 150 ms later, with no further event), at Ctrl-C (full: nothing else would write it), and before a lost-events line (full), against real execs.
/// The tools trace the host; their markers and <c>-x</c> (failed execs only) keep other engineers' execs out of the
/// assertions, and nothing here depends on how long anything takes.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ExecSnoopBufferingTests
{
    [Fact]
    public async Task AutoWritesHeldOutputWithNoFurtherEvent()
    {
        var marker = Marker();
        using var tool = new RunningTool(Tool.Gadgets, "execsnoop", "--host", "-x", "-o", "json");
        await tool.WaitReadyAsync();

        // One failed exec and nothing more from us: held (a pipe: buffered), the line is written within 150 ms all the same.
        FailedExec(marker);
        await tool.WaitForLineAsync(l => l.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(0, await tool.InterruptAsync());
    }

    [Fact]
    public async Task FullWritesHeldOutputAtCtrlC()
    {
        var marker = Marker();
        using var tool = new RunningTool(Tool.Gadgets, "execsnoop", "--host", "-x", "-o", "json", "--output-buffering", "full");
        await tool.WaitReadyAsync();

        // The exec has returned, so its record is in the ring: read or not yet, it is printed when the tool stops.
        FailedExec(marker);
        // Not a timed assertion: SIGINT within a few ms of the ready line and an exec ends the process by the signal
        // itself (exit 130, the build before --output-buffering too; see the report), so the signal comes a moment later.
        // Full buffering has no timer: the line is written at Ctrl-C or never, however long this pause is.
        await Task.Delay(500);
        Assert.Equal(0, await tool.InterruptAsync());
        var line = Assert.Single(tool.Lines, l => l.Contains(marker, StringComparison.Ordinal));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(-2, json.RootElement.GetProperty("ret").GetInt32()); // ENOENT
    }

    [Fact]
    public async Task FullWritesHeldOutputBeforeALostLine()
    {
        // A one-page ring and execs whose records take most of it (20 long arguments): a burst overflows it.
        using var tool = new RunningTool(Tool.Gadgets, "execsnoop", "--host", "-o", "json", "--output-buffering", "full", "--ring-size", Environment.SystemPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await tool.WaitReadyAsync();
        var markers = new List<string>();
        await tool.TriggerUntilAsync(
            () =>
            {
                var marker = Marker();
                markers.Add(marker);
                Burst(marker, 60);
            },
            l => l.StartsWith("{\"type\":\"lost\"", StringComparison.Ordinal));
        Assert.Equal(0, await tool.InterruptAsync());

        // Records are read in the order of the execs (one after the other); a drop leaves a gap in a burst's numbers, and
        // is reported after the batch that read the records before it. So every record of a burst before its first gap
        // was formatted before the lost line that follows: held or not, it must be in the output before that line.
        var lines = tool.Lines;
        var lastLost = Array.FindLastIndex(lines, l => l.StartsWith("{\"type\":\"lost\"", StringComparison.Ordinal));
        var checkedBursts = 0;
        foreach (var marker in markers)
        {
            var numbered = lines.Select((line, index) => (line, index))
                .Where(x => x.line.StartsWith("{\"type\":\"event\"", StringComparison.Ordinal) && x.line.Contains($"\"{marker}-", StringComparison.Ordinal))
                .Select(x => (Number: Number(x.line, marker), Index: x.index))
                .ToArray();
            var gap = Enumerable.Range(1, 60).FirstOrDefault(n => !numbered.Any(x => x.Number == n));
            if (gap == 0)
            {
                continue;
            }
            checkedBursts++;
            Assert.All(numbered.Where(x => x.Number < gap), x => Assert.True(x.Index < lastLost, $"exec {x.Number} of {marker} (line {x.Index}) after the lost line {lastLost}:\n{string.Join('\n', lines.Select(Short))}"));
            // And in order: the held lines were written in the order they were read.
            Assert.Equal(numbered.Select(x => x.Number).Order(), numbered.Select(x => x.Number));
        }
        Assert.True(checkedBursts > 0, "no burst lost an exec, yet a lost line was printed: " + string.Join('\n', lines.Select(Short)));
    }

    private static string Marker() => "gadget-buf-" + Guid.NewGuid().ToString("N")[..10];

    private static void FailedExec(string marker)
    {
        using var shell = Process.Start("/bin/sh", ["-c", $"/nonexistent-{marker} 2>/dev/null; exit 0"]);
        shell.WaitForExit();
    }

    // /bin/true MARKER-N and 19 arguments of 120 bytes, N = 1..count, one exec after the other.
    private static void Burst(string marker, int count)
    {
        var padding = string.Join(' ', Enumerable.Repeat(new string('p', 120), 19));
        using var shell = Process.Start("/bin/sh", ["-c", $"i=1; while [ $i -le {count} ]; do /bin/true {marker}-$i {padding}; i=$((i+1)); done"]);
        shell.WaitForExit();
    }

    private static int Number(string line, string marker)
    {
        using var json = JsonDocument.Parse(line);
        var first = json.RootElement.GetProperty("args").EnumerateArray().Skip(1).First().GetString()!;
        return int.Parse(first[(marker.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Short(string line) => line.Length > 160 ? line[..160] : line;
}
