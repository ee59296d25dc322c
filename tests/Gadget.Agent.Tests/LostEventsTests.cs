using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gadget.Client;
using Microsoft.AspNetCore.Builder;

namespace Gadget.Agent.Tests;

/// <summary>
/// Lost events are shown while running: the gadgets CLI prints a <c>{"type":"lost"}</c> line (json) or a stderr line
/// (columns) as the kernel drops events from a one-page ring, and an agent stream tells a client that read too slowly
/// how many events it missed, then goes on.
/// </summary>
[Collection("agent processes")]
public sealed class LostEventsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("json")]
    [InlineData("columns")]
    public async Task GadgetsCli_ReportsTheKernelsLossesWhileRunning(string format)
    {
        // The CLI's own build output (built by the project reference): its deps need Microsoft.Extensions.* next to it.
        var executable = Path.Combine(DaemonSetPod.RepositoryRoot, "samples", "Gadgets", "bin", DaemonSetPod.Configuration, "net10.0", "gadgets");
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["opensnoop", "--host", "--ring-size", "4096", "--output", format])
        {
            start.ArgumentList.Add(argument);
        }
        using var gadgets = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        gadgets.OutputDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
        gadgets.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        gadgets.BeginOutputReadLine();
        gadgets.BeginErrorReadLine();
        try
        {
            string Text(StringBuilder b) { lock (b) { return b.ToString(); } }
            var directory = Directory.CreateTempSubdirectory("gadget-cli-lost-");
            var flood = Path.Combine(directory.FullName, "missing");
            var marker = Path.Combine(directory.FullName, "attached-" + Guid.NewGuid().ToString("N")[..8]);
            string? lost = null;
            var deadline = Stopwatch.StartNew();
            try
            {
                // Attached once a marker open shows up; then opens faster than it can print, until it reports a loss.
                while (!Text(stdout).Contains(marker, StringComparison.Ordinal) && deadline.Elapsed < Timeout && !gadgets.HasExited)
                {
                    Assert.Throws<FileNotFoundException>(() => File.OpenHandle(marker).Dispose());
                    await Task.Delay(100);
                }
                Assert.True(Text(stdout).Contains(marker, StringComparison.Ordinal), "gadgets opensnoop showed nothing:\n" + Text(stderr));
                while (lost is null && deadline.Elapsed < Timeout && !gadgets.HasExited)
                {
                    for (var i = 0; i < 20_000; i++)
                    {
                        try
                        {
                            File.OpenHandle(flood).Dispose();
                        }
                        catch (FileNotFoundException)
                        {
                        }
                    }
                    await Task.Delay(200);
                    lost = format == "json"
                        ? Text(stdout).Split('\n').FirstOrDefault(l => l.StartsWith("{\"type\":\"lost\"", StringComparison.Ordinal))
                        : Text(stderr).Split('\n').FirstOrDefault(l => l.StartsWith("gadgets: lost ", StringComparison.Ordinal));
                }
                Assert.True(lost is not null, $"no loss reported; stderr:\n{Text(stderr)}");
                Assert.False(gadgets.HasExited, "the loss was reported only at exit");
            }
            finally
            {
                directory.Delete(recursive: true);
            }
            if (format == "json")
            {
                var record = JsonDocument.Parse(lost).RootElement;
                Assert.True(record.GetProperty("count").GetUInt64() > 0);
                Assert.True(record.GetProperty("total").GetUInt64() >= record.GetProperty("count").GetUInt64());
            }
            else
            {
                Assert.Matches(@"^gadgets: lost [1-9][0-9]* events \(ring buffer full; [1-9][0-9]* since start\)$", lost!.TrimEnd());
            }
        }
        finally
        {
            Processes.Signal(gadgets.Id, "TERM");
            Assert.True(gadgets.WaitForExit(TimeSpan.FromSeconds(30)), "gadgets did not stop on SIGTERM");
        }
    }

    [Fact]
    public async Task AgentStream_TellsASlowClientHowManyEventsItMissed_AndGoesOn()
    {
        var directory = Directory.CreateTempSubdirectory("gadget-agent-lost-");
        var socket = Path.Combine(directory.FullName, "agent.sock");
        var app = AgentApp.Build(["--socket", socket, "--client-queue", "16", "--rate", "0"]);
        await app.StartAsync();
        try
        {
            using var http = GadgetCli.CreateHttpClient("unix:" + socket);
            using var response = await http.GetAsync("gadgets/opensnoop", HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var attached = JsonDocument.Parse((await reader.ReadLineAsync())!).RootElement;
            Assert.Equal("attached", attached.GetProperty("type").GetString());

            // The client reads nothing while this process fails many opens: socket buffers fill, then its 16-event queue.
            var flood = Path.Combine(directory.FullName, "missing");
            JsonElement? lost = null;
            var deadline = Stopwatch.StartNew();
            while (lost is null && deadline.Elapsed < Timeout)
            {
                for (var i = 0; i < 20_000; i++)
                {
                    try
                    {
                        File.OpenHandle(flood).Dispose();
                    }
                    catch (FileNotFoundException)
                    {
                    }
                }
                // Read what is there (up to the next loss record, or a bounded number of lines).
                for (var lines = 0; lines < 100_000 && lost is null; lines++)
                {
                    var line = await reader.ReadLineAsync().WaitAsync(Timeout);
                    Assert.NotNull(line);
                    if (line.StartsWith("{\"type\":\"lost\"", StringComparison.Ordinal) && line.Contains("\"source\":\"client\"", StringComparison.Ordinal))
                    {
                        lost = JsonDocument.Parse(line).RootElement;
                    }
                    else if (line.Contains(flood, StringComparison.Ordinal) && lines > 2_000)
                    {
                        break; // read a lot without a loss: flood again
                    }
                }
            }
            Assert.True(lost is not null, "no {\"type\":\"lost\",\"source\":\"client\"} record");
            Assert.True(lost.Value.GetProperty("count").GetInt64() > 0);
            Assert.Contains("read too slowly", lost.Value.GetProperty("reason").GetString(), StringComparison.Ordinal);

            // The stream goes on: a new open arrives after the loss.
            var marker = Path.Combine(directory.FullName, "after-" + Guid.NewGuid().ToString("N")[..8]);
            var seen = false;
            var again = Stopwatch.StartNew();
            while (!seen && again.Elapsed < Timeout)
            {
                Assert.Throws<FileNotFoundException>(() => File.OpenHandle(marker).Dispose());
                var line = await reader.ReadLineAsync().WaitAsync(Timeout);
                Assert.NotNull(line);
                seen = line.Contains(marker, StringComparison.Ordinal);
            }
            Assert.True(seen, "the stream did not go on after the loss");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }
}
