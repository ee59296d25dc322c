using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gadget.Containers.Tests;

namespace Gadget.Cli.Tests;

/// <summary>
/// What a hostile container chooses reaches the operator of <c>traceloop watch</c> as text, never as terminal commands: a
/// real runc container whose name (the <c>nerdctl/name</c> annotation) and argv hold ESC sequences (clear the screen, set
/// the window title), a BEL and a carriage return, and which exits 3, so the watch prints its history.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopHostileContainerTests
{
    private const string HostileName = "evil\u001b[2J\u001b[H\u001b]0;PWNED\u0007\rfake\u009b1m";

    [Fact]
    public async Task ACrashedContainersNameAndArgvCannotRewriteTheTerminal()
    {
        var id = RuncContainer.NewId("hostile-name");
        var directory = Directory.CreateTempSubdirectory("gadget-hostile-name-").FullName;
        try
        {
            var text = await CrashHistoryAsync(id, directory, "text", "=== end of ");

            // No control character but the line feeds: no ESC, BEL, CR, nor the C1 CSI (U+009B).
            var controls = text.Where(c => c != '\n' && char.IsControl(c)).Select(c => $"U+{(int)c:X4}").Distinct().ToList();
            Assert.True(controls.Count == 0, $"control characters {string.Join(", ", controls)} in:\n{text}");
            // The name is there, each control character written as text.
            var lines = text.Split('\n');
            Assert.StartsWith(@"=== container evil\x1b[2J\x1b[H\x1b]0;PWNED\x07\rfake\u009b1m (" + id + ") exited with code 3", lines[0], StringComparison.Ordinal);
            Assert.Contains(@"=== end of evil\x1b[2J\x1b[H\x1b]0;PWNED\x07\rfake\u009b1m ===", lines);
            Assert.Contains(lines, l => l.Contains("execve(", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>With <c>-o json</c>, what the watch writes around the history is JSON too, the name exact: every line parses.</summary>
    [Fact]
    public async Task AsJsonEveryLineOfACrashIsJsonWithTheNameExact()
    {
        var id = RuncContainer.NewId("hostile-json");
        var directory = Directory.CreateTempSubdirectory("gadget-hostile-json-").FullName;
        try
        {
            var text = await CrashHistoryAsync(id, directory, "json", "\"container_end\"");
            var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
            {
                try
                {
                    return JsonDocument.Parse(l).RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new Xunit.Sdk.XunitException($"not JSON: {l}\n({e.Message})\nin:\n{text}");
                }
            }).ToList();
            var first = records[0];
            Assert.Equal("container_crashed", first.GetProperty("type").GetString());
            Assert.Equal(id, first.GetProperty("id").GetString());
            Assert.Equal(HostileName, first.GetProperty("name").GetString());
            Assert.Equal(3, first.GetProperty("exit_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, first.GetProperty("signal").ValueKind);
            Assert.Equal(records.Count - 2, first.GetProperty("syscalls").GetInt32() + records.Count(r => r.TryGetProperty("type", out var t) && t.GetString() is "exit" or "gaps"));
            Assert.Equal("container_end", records[^1].GetProperty("type").GetString());
            Assert.Equal(HostileName, records[^1].GetProperty("name").GetString());
            Assert.Contains(records, r => r.TryGetProperty("name", out var n) && n.GetString() == "execve");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Runs a watch of <paramref name="id"/> (its crash histories to a file, as <paramref name="format"/>) and the
    /// hostile container, which exits 3; the file once it holds <paramref name="end"/>.</summary>
    private static async Task<string> CrashHistoryAsync(string id, string directory, string format, string end)
    {
        var crashes = Path.Combine(directory, "crashes.txt");
        using var watch = new RunningTool(Tool.Traceloop, "watch", "--id", id, "-o", format, "--socket", Path.Combine(directory, "watch.sock"), "--output-file", crashes);
        await watch.WaitReadyAsync();
        using var container = RuncContainer.Create(id, ["sh", "-c", "sleep 0.5; exit 3", "\u001b[2J\u001b]0;ARGV\u0007"],
            annotations: new Dictionary<string, string> { ["nerdctl/name"] = HostileName });
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(crashes) && File.ReadAllText(crashes).Contains(end, StringComparison.Ordinal)) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(crashes));
        Assert.True(text.Contains(end, StringComparison.Ordinal), $"no crash history:\n{text}\nwatch:\n{watch.Error}");
        return text;
    }
}
