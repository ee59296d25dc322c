using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gadget.Cli.Tests;

/// <summary>
/// The client's snapshot and top commands against one real agent process on a Unix socket: <c>gadget snapshot
/// process</c> and <c>snapshot socket</c> print the node's processes and sockets once and exit 0 (this test's process and
/// its listener among them, as JSON the schema accepts, or as columns), <c>gadget top file</c> streams rows that hold
/// this test's writes, <c>gadget profile cpu</c> samples a thread of this test, and <c>gadget capable</c> is one line with the agent's refusal where the kernel has no kprobes.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ClientSnapshotAndTopTests
{
    [Fact]
    public async Task SnapshotsTopFileAndCapableThroughTheAgent()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cli-client-{Guid.NewGuid():N}.sock");
        using var agent = new RunningTool(Tool.Agent, "--socket", socket, "--rate", "0", "--kubernetes", "off");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(socket) && deadline.Elapsed < Tool.HangGuard)
        {
            await Task.Delay(200);
        }
        Assert.True(File.Exists(socket), "the agent did not listen:\n" + agent.Error);
        string[] address = ["--agent", "unix:" + socket];

        // snapshot process: JSON lines, each valid, this process among them; then the command ends by itself.
        var processes = await Tool.Client.RunAsync([.. address, "snapshot", "process"]);
        Assert.True(processes.ExitCode == 0, processes.Error);
        var rows = processes.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => EventSchemaFile.AssertValid(l, "gadget snapshot process")).ToList();
        Assert.Contains(rows, r => r.GetProperty("pid").GetInt32() == Environment.ProcessId && r.GetProperty("gadget").GetString() == "snapshot-process");

        // profile cpu: 2 s of the node's stacks while a thread of this process spins; JSON lines the schema accepts, this
        // process among them; then the command ends by itself.
        using (var spinning = new CancellationTokenSource())
        {
            var spinner = new Thread(() =>
            {
                var x = 0UL;
                while (!spinning.IsCancellationRequested)
                {
                    x = x * 6364136223846793005UL + 1;
                }
                GC.KeepAlive(x);
            }) { IsBackground = true };
            spinner.Start();
            var profile = await Tool.Client.RunAsync([.. address, "profile", "cpu", "--duration", "2", "--frequency", "99"]);
            spinning.Cancel();
            spinner.Join();
            Assert.True(profile.ExitCode == 0, profile.Error);
            var stacks = profile.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => EventSchemaFile.AssertValid(l, "gadget profile cpu")).ToList();
            Assert.Contains(stacks, r => r.GetProperty("pid").GetInt32() == Environment.ProcessId && r.GetProperty("gadget").GetString() == "profile-cpu");
        }

        // snapshot socket as columns, filtered to this test's listener: the header and its row.
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            var endpoint = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
            var sockets = await Tool.Client.RunAsync([.. address, "snapshot", "socket", "-o", "columns", "--fields", "proto,laddr,state", "--filter", $"laddr=={endpoint}"]);
            Assert.True(sockets.ExitCode == 0, sockets.Error);
            var lines = sockets.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^PROTO\s+LADDR\s+STATE$", lines[0]);
            Assert.Matches($@"^TCP\s+{endpoint}\s+LISTEN$", Assert.Single(lines.Skip(1)));
        }

        // top file: rows of this test's writes to a file of its own, as valid JSON.
        var path = Path.Combine(Path.GetTempPath(), "gadget-cli-topfile-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None))
            using (var top = new RunningTool(Tool.Client, [.. address, "top", "file", "--filter", $"file=={Path.GetFileName(path)}"]))
            {
                var line = await top.TriggerUntilAsync(() => { file.Write(new byte[64]); file.Flush(); }, l => l.Contains(Path.GetFileName(path), StringComparison.Ordinal));
                var row = EventSchemaFile.AssertValid(line, "gadget top file");
                Assert.Equal(("top-file", Environment.ProcessId), (row.GetProperty("gadget").GetString(), row.GetProperty("pid").GetInt32()));
                Assert.Equal(64 * row.GetProperty("writes").GetInt64(), row.GetProperty("wbytes").GetInt64());
                await top.InterruptExpectingSuccessAsync();
            }
        }
        finally
        {
            File.Delete(path);
        }

        // capable: where the kernel has no kprobes, the agent refuses (503) and the client says why on one line.
        if (!Directory.Exists("/sys/bus/event_source/devices/kprobe") && !File.Exists("/sys/kernel/tracing/kprobe_events"))
        {
            var capable = await Tool.Client.RunAsync([.. address, "capable"]);
            capable.AssertOneLineFailure(1, "no kprobes");
        }
        await agent.InterruptExpectingSuccessAsync();
    }
}
