using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// The client's gadget commands have the gadgets CLI's output flags: the agent's JSON events are read back into the same
/// fields, printed as columns, chosen with --fields, filtered with --filter, as YAML, or as JSON still valid against the
/// schema. One real agent, real execs.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ClientOutputTests
{
    [Fact]
    public async Task TheClientPrintsTheAgentsEventsAsChosen()
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

        // Columns with chosen fields and a filter: a header, then only the marked exec's row, its fields in that order.
        var marker = Marker();
        var columns = await StreamAsync([.. address, "execsnoop", "-o", "columns", "--fields", "comm,pcomm,args", "--filter", $"args~{marker}"], marker);
        Assert.Matches(@"^COMM\s+PCOMM\s+ARGS$", columns.Lines[0]);
        // (The trigger repeats until the stream shows it: one row per exec of the marker, nothing else.)
        Assert.NotEmpty(columns.Lines.Skip(1));
        Assert.All(columns.Lines.Skip(1), row => Assert.Matches($@"^true\s+\S+\s+/bin/true {marker}$", row));
        Assert.Contains("gadget: ready: execsnoop attached on the agent", columns.Error, StringComparison.Ordinal);

        // JSON with chosen fields: valid against the schema, with the shared parts and only those fields.
        marker = Marker();
        var json = await StreamAsync([.. address, "execsnoop", "-o", "json", "--fields", "pid,comm,args", "--filter", $"args~{marker}"], marker);
        var events = json.Lines.Select(l => EventSchemaFile.AssertValid(l, "client -o json --fields")).Where(e => e.GetProperty("type").GetString() == "event").ToList();
        Assert.NotEmpty(events);
        Assert.All(events, exec =>
        {
            Assert.Equal(["type", "gadget", "timestamp", "timestampBoot", "k8s", "runtime", "pid", "comm", "args"], exec.EnumerateObject().Select(p => p.Name));
            Assert.Equal(["/bin/true", marker], exec.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        });

        // YAML: the event as a document.
        marker = Marker();
        var yaml = await StreamAsync([.. address, "execsnoop", "-o", "yaml", "--filter", $"args~{marker}"], marker);
        var text = string.Join('\n', yaml.Lines);
        Assert.Contains("---\ntype: event\ngadget: execsnoop\n", text, StringComparison.Ordinal);
        Assert.Contains($"  - \"{marker}\"", text, StringComparison.Ordinal);

        await agent.InterruptExpectingSuccessAsync();
    }

    private static async Task<(string[] Lines, string Error)> StreamAsync(string[] arguments, string marker)
    {
        using var stream = new RunningTool(Tool.Client, arguments);
        await stream.TriggerUntilAsync(() => Run("/bin/true", marker), line => line.Contains(marker, StringComparison.Ordinal));
        await stream.InterruptExpectingSuccessAsync();
        return (stream.Lines, stream.Error);
    }

    private static string Marker() => "gadget-client-" + Guid.NewGuid().ToString("N")[..10];

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(file, arguments);
        process.WaitForExit();
    }
}
