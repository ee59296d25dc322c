using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent records every trace with one traceloop tracer: a trace with exit timestamps (<c>traceloop start
/// --exit-timestamps</c>) is a recorder's choice on it, read by its BPF programs at run time. Before, such a trace loaded a
/// second tracer, and every syscall of every process on the node then ran both tracers' programs.
/// </summary>
[Collection("agent processes")]
public sealed class AgentOneTracerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-one-tracer-");

    private string Socket => Path.Combine(_directory.FullName, "agent.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task ATraceWithExitTimestampsLoadsNoSecondTracer()
    {
        await using var agent = AgentProcess.Start(["--socket", Socket]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        Assert.Empty(TraceloopPrograms(agent.Pid)); // the tracer loads at the first trace

        var plain = await ClientAsync("traceloop", "start", "--id", "gadget-one-tracer-plain");
        var one = TraceloopPrograms(agent.Pid);
        // One tracer's traceloop_sys_enter and traceloop_sys_exit (bpftool prints the name from BTF, or the kernel's 15 characters).
        Assert.Equal(2, one.Count(p => p.Name.StartsWith("traceloop_sys_e", StringComparison.Ordinal)));

        var clocked = await ClientAsync("traceloop", "start", "--id", "gadget-one-tracer-clocked", "--exit-timestamps");
        var after = TraceloopPrograms(agent.Pid);
        Assert.True(one.SetEquals(after), $"the agent's traceloop programs were {Describe(one)}; after a trace with exit timestamps, {Describe(after)}");

        await ClientAsync("traceloop", "stop", plain);
        await ClientAsync("traceloop", "stop", clocked);
    }

    private async Task<string> ClientAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await Gadget.Client.GadgetCli.RunAsync(["--agent", "unix:" + Socket, .. args], output, error);
        Assert.True(exitCode == 0, $"{string.Join(' ', args)}: exit {exitCode}: {error}");
        return output.ToString().Trim();
    }

    private static string Describe(HashSet<(uint Id, string Name)> programs) =>
        $"[{string.Join(", ", programs.OrderBy(p => p.Id).Select(p => $"{p.Id} {p.Name}"))}]";

    /// <summary>The BPF programs process <paramref name="pid"/> holds whose name starts with <c>traceloop_</c> (bpftool's names: 15 characters at most).</summary>
    private static HashSet<(uint Id, string Name)> TraceloopPrograms(int pid)
    {
        var held = BpfObjectIds.HeldBy(pid).Programs;
        var info = new ProcessStartInfo("bpftool", ["-j", "prog", "show"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        using var document = JsonDocument.Parse(output.Result is { Length: > 0 } text ? text : "[]");
        return document.RootElement.EnumerateArray()
            .Select(p => (Id: p.GetProperty("id").GetUInt32(), Name: p.TryGetProperty("name", out var name) ? name.GetString() ?? "" : ""))
            .Where(p => held.Contains(p.Id) && p.Name.StartsWith("traceloop_", StringComparison.Ordinal))
            .ToHashSet();
    }
}
