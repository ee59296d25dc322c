using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gadget.Client;
using Gadget.Containers.Tests;
using Xunit.Abstractions;

namespace Gadget.Agent.Tests;

/// <summary>
/// A flood of streams and idle connections from one caller (root) against an agent with small limits: the gadget is
/// attached once for all its clients, the flood is refused with reasons, another caller is still served, and a container
/// started during the flood is recorded.
/// </summary>
[Collection("agent processes")]
public sealed class AgentFloodTests(ITestOutputHelper output) : IDisposable
{
    private const int Streams = 30;
    private const int IdleConnections = 200;
    private const int PerCallerConnections = 60;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-flood-");

    private string Socket => Path.Combine(_directory.FullName, "agent.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task StreamAndConnectionFlood_OneAttachPerGadget_RefusedWithReasons_OthersServed_ContainerRecorded()
    {
        Processes.Chmod("755", _directory.FullName);
        await using var agent = AgentProcess.Start(
        [
            "--socket", Socket, "--allow-uid", Processes.Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-connections", "400", "--max-connections-per-caller", PerCallerConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-streams", "40", "--max-streams-per-caller", Streams.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rate", "0",
        ]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        var prefix = RuncContainer.NewId("flood");
        var trace = Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "traceloop", "start", "--id", prefix]);
        Assert.True(trace.ExitCode == 0, trace.Error);
        var before = BpfObjectIds.HeldBy(agent.Pid).Programs;

        using var http = GadgetCli.CreateHttpClient("unix:" + Socket);
        var streams = new List<HttpResponseMessage>();
        var sockets = new List<Socket>();
        try
        {
            // One client: opensnoop's programs are attached.
            streams.Add(await OpenStreamAsync(http, $"gadgets/opensnoop?id={prefix}"));
            var one = BpfObjectIds.HeldBy(agent.Pid).Programs;
            var opensnoop = one.Except(before).ToHashSet();
            Assert.NotEmpty(opensnoop);

            // 29 more, with and without selectors: the same programs, nothing attached again.
            var more = await Task.WhenAll(Enumerable.Range(1, Streams - 1).Select(i => OpenStreamAsync(http, i % 2 == 0 ? $"gadgets/opensnoop?name={prefix}-nothing" : $"gadgets/opensnoop?id={prefix}")));
            streams.AddRange(more);
            var thirty = BpfObjectIds.HeldBy(agent.Pid).Programs;
            Assert.True(thirty.SetEquals(one), $"{Streams} clients hold programs [{string.Join(", ", thirty.Order())}], one client [{string.Join(", ", one.Order())}]");
            output.WriteLine($"opensnoop programs: {opensnoop.Count} for 1 client and for {Streams} clients");

            // The next stream is one too many for this caller.
            using (var tooMany = await http.GetAsync("gadgets/opensnoop", HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, tooMany.StatusCode);
                Assert.Contains($"at most {Streams} per caller", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // Idle connections: those above the caller's limit are answered 429 and closed at once.
            for (var i = 0; i < IdleConnections; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                sockets.Add(socket);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
            }
            var answers = await Task.WhenAll(sockets.Select(ReadRefusalAsync));
            var refused = answers.Count(a => a.StartsWith("HTTP/1.1 429", StringComparison.Ordinal));
            output.WriteLine($"{IdleConnections} idle connections: {refused} refused with 429, {answers.Count(a => a.Length == 0)} held open");
            Assert.True(refused >= IdleConnections - (PerCallerConnections - Streams), $"only {refused} of {IdleConnections} idle connections were refused");
            Assert.Contains(answers, a => a.Contains($"at most {PerCallerConnections} per caller", StringComparison.Ordinal));

            // Meanwhile: root is refused, another caller is served, and a new container is recorded.
            var root = Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "containers"]);
            Assert.Equal(1, root.ExitCode);
            Assert.Contains("429", root.Error, StringComparison.Ordinal);
            var other = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "containers");
            Assert.True(other.ExitCode == 0, other.Error);
            var marker = "flood-marker-" + Guid.NewGuid().ToString("N")[..8];
            using var container = RuncContainer.Run(prefix + "-c", ["sh", "-c", $"echo {marker} > /dev/null; sleep 1"]);
            Assert.True(container.WaitStopped(Timeout), "the container did not stop");
            var othersView = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "traceloop", "dump", container.Id);
            Assert.True(othersView.ExitCode == 0, othersView.Error);
            Assert.Contains($"write(1, \"{marker}\\n\"", othersView.Output, StringComparison.Ordinal);
            // The flood ends: root is served again, and the gadget is detached with its last client.
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
            var dump = await PollAsync(() => Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "traceloop", "dump", container.Id]) is { ExitCode: 0 } d ? d.Output : null);
            Assert.Contains($"write(1, \"{marker}\\n\"", dump, StringComparison.Ordinal);
            var detached = await PollAsync(() => BpfObjectIds.HeldBy(agent.Pid).Programs.Overlaps(opensnoop) ? null : "detached");
            Assert.Equal("detached", detached);
            Assert.False(agent.HasExited);
            Assert.Contains($"uid {Processes.Nobody} pid ", agent.Output, StringComparison.Ordinal);
            Assert.Contains("streams opensnoop", agent.Output, StringComparison.Ordinal);
            Assert.Contains($"reads the history of container {container.Id}", agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    private static async Task<HttpResponseMessage> OpenStreamAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return response;
    }

    /// <summary>What the agent sent on an idle connection within 5 s: its refusal, or nothing (held open).</summary>
    private static async Task<string> ReadRefusalAsync(Socket socket)
    {
        var buffer = new byte[1024];
        var text = new StringBuilder();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                if (read == 0)
                {
                    return text.ToString();
                }
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException)
        {
            return text.ToString();
        }
        catch (SocketException)
        {
            return text.ToString();
        }
    }

    private static async Task<string?> PollAsync(Func<string?> attempt)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (attempt() is { } result)
            {
                return result;
            }
            await Task.Delay(200);
        }
        return null;
    }
}
