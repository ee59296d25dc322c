using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent's one-shot snapshots (GET /snapshot/process|socket: JSON lines, then the end of the answer) list this test's
/// own process and listening socket; its top streams (GET /gadgets/top-file, /gadgets/tcptop) carry interval rows that
/// hold this test's own file writes and loopback traffic; and capable streams, or is refused with the kernel's reason
/// where the kernel has no kprobes.
/// </summary>
public sealed class AgentSnapshotAndTopTests(AgentHostFixture agent) : IClassFixture<AgentHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheProcessSnapshotListsThisProcess()
    {
        var rows = await SnapshotAsync("snapshot/process");
        Assert.All(rows, r => Assert.Equal(("event", "snapshot-process"), (r.GetProperty("type").GetString(), r.GetProperty("gadget").GetString())));
        var self = Assert.Single(rows, r => r.GetProperty("pid").GetInt32() == Environment.ProcessId);
        Assert.Equal(File.ReadAllText("/proc/self/comm").Trim(), self.GetProperty("comm").GetString());
    }

    [Fact]
    public async Task TheSocketSnapshotListsThisListener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var rows = await SnapshotAsync("snapshot/socket");
        Assert.All(rows, r => Assert.Equal("snapshot-socket", r.GetProperty("gadget").GetString()));
        var socket = Assert.Single(rows, r => r.GetProperty("laddr").GetString() == $"127.0.0.1:{port}");
        Assert.Equal(("TCP", "LISTEN"), (socket.GetProperty("proto").GetString(), socket.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task ACpuProfileHoldsThisProcesssSpinningThread()
    {
        // A thread of this process spins for the whole profile: the agent's samples of the node include its stack.
        using var spinning = new CancellationTokenSource();
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
        try
        {
            var rows = await SnapshotAsync("profile/cpu?seconds=2&frequency=99");
            Assert.All(rows, r => Assert.Equal(("event", "profile-cpu"), (r.GetProperty("type").GetString(), r.GetProperty("gadget").GetString())));
            var ours = rows.Where(r => r.GetProperty("pid").GetInt32() == Environment.ProcessId).ToList();
            Assert.NotEmpty(ours);
            Assert.True(ours.Sum(r => r.GetProperty("samples").GetInt64()) >= 20, $"{ours.Sum(r => r.GetProperty("samples").GetInt64())} samples of this process in 2 s at 99 Hz");
        }
        finally
        {
            spinning.Cancel();
            spinner.Join();
        }
    }

    [Theory]
    [InlineData("profile/cpu?seconds=0")]
    [InlineData("profile/cpu?seconds=61")]
    [InlineData("profile/cpu?frequency=x")]
    [InlineData("profile/cpu?color=red")]
    public async Task ABadProfileRequestIsRefused(string path)
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AnUnknownSnapshotIsNotFound()
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync("snapshot/files");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("process, socket", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopFileRowsHoldThisProcesssWrites()
    {
        var path = Path.Combine(Path.GetTempPath(), "gadget-agent-topfile-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
            var row = await StreamUntilAsync("gadgets/top-file", () => { file.Write(new byte[100]); file.Flush(); },
                r => r.GetProperty("file").GetString() == Path.GetFileName(path) && r.GetProperty("pid").GetInt32() == Environment.ProcessId);
            Assert.Equal("top-file", row.GetProperty("gadget").GetString());
            Assert.True(row.GetProperty("writes").GetInt64() >= 1);
            Assert.Equal(100 * row.GetProperty("writes").GetInt64(), row.GetProperty("wbytes").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TcpTopRowsHoldThisProcesssLoopbackTraffic()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        var local = $"127.0.0.1:{((IPEndPoint)client.Client.LocalEndPoint!).Port}";
        var buffer = new byte[1000];
        var row = await StreamUntilAsync("gadgets/tcptop", () => { client.GetStream().Write(buffer); _ = server.GetStream().Read(buffer); },
            r => r.GetProperty("laddr").GetString() == local && r.GetProperty("pid").GetInt32() == Environment.ProcessId);
        Assert.Equal("tcptop", row.GetProperty("gadget").GetString());
        Assert.True(row.GetProperty("sent").GetInt64() > 0);
    }

    [Fact]
    public async Task CapableStreamsOrIsRefusedWithTheKernelsReason()
    {
        var kprobes = Directory.Exists("/sys/bus/event_source/devices/kprobe") || File.Exists("/sys/kernel/tracing/kprobe_events");
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync("gadgets/capable", HttpCompletionOption.ResponseHeadersRead);
        if (!kprobes)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("no kprobes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            return;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var reading = new CancellationTokenSource(Timeout);
        var attached = JsonDocument.Parse(await lines.ReadLineAsync(reading.Token) ?? "{}").RootElement;
        Assert.Equal(("attached", "capable"), (attached.GetProperty("type").GetString(), attached.GetProperty("gadget").GetString()));
    }

    private async Task<List<JsonElement>> SnapshotAsync(string path)
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    /// <summary>Streams <paramref name="path"/>, running <paramref name="trigger"/> before each line read, until an event matches.</summary>
    private async Task<JsonElement> StreamUntilAsync(string path, Action trigger, Func<JsonElement, bool> match)
    {
        using var http = GadgetCli.CreateHttpClient(agent.SocketAgent);
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var reading = new CancellationTokenSource(Timeout);
        Assert.Contains("\"type\":\"attached\"", await lines.ReadLineAsync(reading.Token), StringComparison.Ordinal);
        using var triggering = new CancellationTokenSource();
        var triggers = Task.Run(async () =>
        {
            while (!triggering.IsCancellationRequested)
            {
                trigger();
                await Task.Delay(50);
            }
        });
        try
        {
            while (await lines.ReadLineAsync(reading.Token) is { } line)
            {
                var e = JsonDocument.Parse(line).RootElement.Clone();
                if (e.GetProperty("type").GetString() == "event" && match(e))
                {
                    return e;
                }
            }
            throw new InvalidOperationException($"{path} ended without the row");
        }
        finally
        {
            await triggering.CancelAsync();
            await triggers;
        }
    }
}
