using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>gadgets exitsnoop --output-buffering</c> to a pipe (the shared event commands' held output, as execsnoop's): a held
/// line still reaches the reader after a quiet moment (auto: the 150 ms timer, with no further event), and at Ctrl-C
/// (full: nothing else would write it), against real process exits. The tools trace the host; a copy of /bin/false
/// named after the test's marker (its comm) and <c>-x</c> (failed exits only) keep other engineers' processes out of
/// the assertions, and nothing here depends on how long anything takes.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ExitSnoopBufferingTests
{
    [Fact]
    public async Task AutoWritesHeldOutputWithNoFurtherEvent()
    {
        using var program = new MarkedFalse();
        using var tool = new RunningTool(Tool.Gadgets, "exitsnoop", "--host", "-x", "-o", "json");
        await tool.WaitReadyAsync();

        // One failed exit and nothing more from us: held (a pipe: buffered), the line is written within 150 ms all the same.
        program.Run();
        var line = await tool.WaitForLineAsync(l => l.Contains(program.Comm, StringComparison.Ordinal));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(1, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(0, await tool.InterruptAsync());
    }

    [Fact]
    public async Task FullWritesHeldOutputAtCtrlC()
    {
        using var program = new MarkedFalse();
        using var tool = new RunningTool(Tool.Gadgets, "exitsnoop", "--host", "-x", "-o", "json", "--output-buffering", "full");
        await tool.WaitReadyAsync();

        // The process has exited (waited for), so its record is in the ring. As in ExecSnoopBufferingTests, the signal
        // comes a moment later so that the tool has read the record (a stop ends the reading; what is held is written):
        // full buffering has no timer, so the line is written at Ctrl-C or never, however long this pause is.
        program.Run();
        await Task.Delay(500);
        Assert.Equal(0, await tool.InterruptAsync());
        var line = Assert.Single(tool.Lines, l => l.Contains(program.Comm, StringComparison.Ordinal));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("exitsnoop", json.RootElement.GetProperty("gadget").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("code").GetInt32());
    }

    /// <summary>A copy of /bin/false whose file name (its comm: 13 characters) is unique to the test.</summary>
    private sealed class MarkedFalse : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-exitbuf-");

        public MarkedFalse()
        {
            Comm = "gb-" + Guid.NewGuid().ToString("N")[..10];
            Path = System.IO.Path.Combine(_directory.FullName, Comm);
            File.Copy("/bin/false", Path);
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        public string Comm { get; }

        public string Path { get; }

        public void Run()
        {
            using var process = Process.Start(Path);
            process.WaitForExit();
            Assert.Equal(1, process.ExitCode);
        }

        public void Dispose() => _directory.Delete(recursive: true);
    }
}
