using System.Diagnostics;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>Counts this process's descriptors, so it runs in the non-parallel collection: other test classes' agents and
/// clients open and close sockets on their own threads and would change the count under it.</summary>
[Collection("agent processes")]
public sealed class AgentLifetimeTests
{
    /// <summary>An agent that traced and streamed a gadget leaves no file descriptor (BPF objects, maps, links, sockets,
    /// the Unix socket file) behind once stopped and disposed: a second run ends with as many descriptors as the first.</summary>
    [Fact]
    public async Task StoppedAgent_LeavesNoDescriptorsNorSocketFile()
    {
        await RunAgentOnceAsync();
        var afterFirst = Descriptors();
        await RunAgentOnceAsync();
        var afterSecond = Descriptors();
        // Fewer is fine (pipes of processes the first run started may close late); more is a leak.
        Assert.True(afterSecond.Count <= afterFirst.Count, "new: " + string.Join(", ", afterSecond.Except(afterFirst)) + "; gone: " + string.Join(", ", afterFirst.Except(afterSecond)));
    }

    private static List<string> Descriptors() => Directory.GetFiles("/proc/self/fd")
        .Select(fd => { try { return fd + " -> " + new FileInfo(fd).LinkTarget; } catch (IOException) { return fd; } })
        // Assemblies the runtime loads lazily (e.g. System.Net.Quic on the first Kestrel bind) stay open for the process.
        .Where(fd => !fd.EndsWith(".dll", StringComparison.Ordinal))
        .ToList();

    private static async Task RunAgentOnceAsync()
    {
        var fixture = new AgentHostFixture();
        await fixture.InitializeAsync();
        var socket = fixture.SocketAgent["unix:".Length..];
        try
        {
            Assert.True(File.Exists(socket));
            var start = await fixture.RunClientAsync("--agent", fixture.SocketAgent, "traceloop", "start", "--id", "lifetime-" + Guid.NewGuid().ToString("N")[..8]);
            Assert.True(start.ExitCode == 0, start.Error);

            var marker = "agent-lifetime-" + Guid.NewGuid().ToString("N")[..8];
            var output = new ObservedWriter();
            using var stop = new CancellationTokenSource();
            var arrived = output.NextLine(line => line.Contains(marker, StringComparison.Ordinal));
            var stream = GadgetCli.RunAsync(["--agent", fixture.SocketAgent, "execsnoop"], output, TextWriter.Null, stop.Token);
            var deadline = Stopwatch.StartNew();
            while (!arrived.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(20) && !stream.IsCompleted)
            {
                using (var process = Process.Start("/bin/true", [marker]))
                {
                    await process.WaitForExitAsync();
                }
                await Task.WhenAny(arrived, Task.Delay(250));
            }
            Assert.True(arrived.IsCompleted, "no exec event arrived");
            stop.Cancel();
            Assert.Equal(0, await stream.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
        Assert.False(File.Exists(socket));
    }
}
