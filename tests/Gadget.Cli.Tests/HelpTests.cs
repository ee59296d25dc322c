using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>Every command of every tool answers --help on standard output with exit 0; an event command lists its fields.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands() => [.. CliCommand.All.Select(c => c.ToString())];

    public static TheoryData<string> GroupCommands() => [.. CliCommand.Groups.Select(g => $"{g.Tool.Name} {string.Join(' ', g.Words)}".TrimEnd())];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EveryCommandPrintsItsHelp(string name)
    {
        var command = CliCommand.All.Single(c => c.ToString() == name);
        var run = await command.Tool.RunAsync([.. command.Words, "--help"]);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        Assert.Equal("", run.Error);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        var options = HelpText.Options(run.Output);
        Assert.Contains(options, o => o.Names.Contains("--help"));
        if (command.Tool == Tool.Gadgets && command.Words is [var gadget] && gadget != "advise")
        {
            // Each field on a line of its own, and the same fields the schema describes for the gadget's JSON.
            var fields = HelpText.Fields(run.Output);
            Assert.NotEmpty(fields);
            var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gadget-event.schema.json")));
            var documented = schema.RootElement.GetProperty("$defs").GetProperty(gadget).GetProperty("properties").EnumerateObject().Select(p => p.Name);
            Assert.Subset(fields.ToHashSet(), documented.ToHashSet());
        }
    }

    [Theory]
    [MemberData(nameof(GroupCommands))]
    public async Task EveryGroupListsItsCommands(string name)
    {
        var (tool, words) = CliCommand.Groups.Single(g => $"{g.Tool.Name} {string.Join(' ', g.Words)}".TrimEnd() == name);
        var run = await tool.RunAsync([.. words, "--help"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        foreach (var command in CliCommand.All.Where(c => c.Tool == tool && c.Words.Length == words.Length + 1 && c.Words.Take(words.Length).SequenceEqual(words)))
        {
            Assert.Contains("  " + command.Words[^1] + " ", run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheAgentPrintsItsHelpWithoutStarting()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cli-help-{Guid.NewGuid():N}.sock");
        var run = await Tool.Agent.RunAsync(["--socket", socket, "--help"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("gadget-agent [options]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--max-streams-per-caller", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(socket), "--help created the socket");
    }
}
