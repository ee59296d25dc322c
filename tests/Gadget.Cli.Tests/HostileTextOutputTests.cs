using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// A process chooses its argv and, through the name of what it executes, its command name: a line break in them must
/// not let it write lines of its own into a gadget's output, nor an ESC or C1 control reach the operator's terminal.
/// Columns show control characters as C escapes (in place and through event objects alike); JSON keeps the exact text.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class HostileTextOutputTests
{
    [Fact]
    public async Task ControlCharactersInArgvAndCommandNamesAreEscapedInColumnsAndExactInJson()
    {
        var marker = "hostile" + Guid.NewGuid().ToString("N")[..8];
        // The command name is the executed file's name (15 bytes): one with a line break and an ESC in it.
        var directory = Directory.CreateTempSubdirectory("gadget-hostile-");
        var link = Path.Combine(directory.FullName, "ev\nil\u001b[7m");
        File.CreateSymbolicLink(link, "/bin/echo");
        string[] argv = [marker, "line1\nFAKE 1 2 3", "\u001b[31mred", "tab\there", "c1\u0085\u009bnext", "back\\slash", "é"];
        try
        {
            using var inPlace = new RunningTool(Tool.Gadgets, "execsnoop", "--host");
            using var throughEvents = new RunningTool(Tool.Gadgets, "execsnoop", "--host", "--filter", "pid!=0");
            using var json = new RunningTool(Tool.Gadgets, "execsnoop", "--host", "-o", "json");
            await Task.WhenAll(inPlace.WaitReadyAsync(), throughEvents.WaitReadyAsync(), json.WaitReadyAsync());

            void Trigger()
            {
                using var echo = Process.Start(new ProcessStartInfo(link, argv) { RedirectStandardOutput = true });
                echo!.WaitForExit();
            }
            bool Ours(string line) => line.Contains(marker, StringComparison.Ordinal);
            await inPlace.TriggerUntilAsync(Trigger, Ours);
            await throughEvents.TriggerUntilAsync(() => { }, Ours);
            await json.TriggerUntilAsync(() => { }, Ours);
            await Task.WhenAll(inPlace.InterruptExpectingSuccessAsync(), throughEvents.InterruptExpectingSuccessAsync(), json.InterruptExpectingSuccessAsync());

            foreach (var tool in new[] { inPlace, throughEvents })
            {
                var output = string.Join('\n', tool.Lines);
                var line = Assert.Single(tool.Lines, Ours);
                Assert.Contains(@"ev\nil\x1b[7m", line, StringComparison.Ordinal);
                Assert.Contains($@"{marker} line1\nFAKE 1 2 3 \x1b[31mred tab\there c1\u0085\u009bnext back\slash é", line, StringComparison.Ordinal);
                Assert.DoesNotContain(tool.Lines, l => l.StartsWith("FAKE", StringComparison.Ordinal) || l.StartsWith("il", StringComparison.Ordinal));
                Assert.DoesNotContain(output, c => char.IsControl(c) && c != '\n');
            }
            Assert.Equal(Untimed(Assert.Single(throughEvents.Lines, Ours)), Untimed(Assert.Single(inPlace.Lines, Ours)));

            using var document = JsonDocument.Parse(Assert.Single(json.Lines, Ours));
            var fields = document.RootElement;
            Assert.Equal("ev\nil\u001b[7m", fields.GetProperty("comm").GetString());
            Assert.Equal(argv, fields.GetProperty("args").EnumerateArray().Select(a => a.GetString()).Skip(1));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // The time column: each tool converts the kernel's clock with its own reading of the wall clock.
    private static string Untimed(string line) => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    /// <summary>
    /// The ready line echoes the command to run and the selector: it stays one line, their control characters escaped
    /// (traceloop run -- $'a\nb' printed "recording 'a", then "b' (256 pages per CPU)" as a line of its own).
    /// </summary>
    [Fact]
    public async Task TheReadyLineStaysOneLine()
    {
        var run = await Tool.Traceloop.RunAsync(["run", "--", "no\nsuch\u001b[2Jcommand\u0085"]);
        var ready = run.ErrorLines.Where(l => l.StartsWith("traceloop: ready: ", StringComparison.Ordinal)).ToArray();
        Assert.True(ready.Length == 1, run.Error);
        Assert.StartsWith(@"traceloop: ready: recording 'no\nsuch\x1b[2Jcommand\u0085' (", ready[0], StringComparison.Ordinal);
        // (The lines after it are the command's own: the shell that runs it says the name it cannot find, as it is.)

        var gadget = await Tool.Gadgets.RunAsync(["execsnoop", "--name", "web\nFAKE\u001b[7m", "--timeout", "1"]);
        Assert.True(gadget.ExitCode == 0, gadget.Error);
        var line = Assert.Single(gadget.ErrorLines, l => l.Contains(": ready: ", StringComparison.Ordinal));
        Assert.Contains(@"web\nFAKE\x1b[7m", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', gadget.Error);
    }
}
