using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>A gadget's JSON output captured around a real event the test triggers (SchemaTests, CapableCliTests).</summary>
internal static class GadgetJsonRun
{
    /// <summary>
    /// Runs <c>gadgets ARGUMENTS</c> until it is attached, runs <paramref name="trigger"/> until a line is
    /// <paramref name="seen"/>, interrupts it (exit 0 expected) and returns its lines, each checked against the schema.
    /// </summary>
    internal static async Task<string[]> CaptureAsync(string[] arguments, Action trigger, Func<string, bool> seen, bool validate = true)
    {
        using var tool = new RunningTool(Tool.Gadgets, arguments);
        await tool.WaitReadyAsync();
        await tool.TriggerUntilAsync(trigger, seen);
        await tool.InterruptExpectingSuccessAsync();
        var lines = tool.Lines;
        if (validate)
        {
            Assert.All(lines, line => EventSchemaFile.AssertValid(line, tool.CommandLine));
        }
        return lines;
    }

    /// <summary>The line holding <paramref name="marker"/>: valid, an event, with a plausible wall and boot time.</summary>
    internal static JsonElement Event(IEnumerable<string> lines, string marker)
    {
        var line = lines.First(l => l.Contains(marker, StringComparison.Ordinal));
        var root = EventSchemaFile.AssertValid(line, marker);
        Assert.Equal("event", root.GetProperty("type").GetString());
        var time = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(root.GetProperty("timestampBoot").GetUInt64() > 0);
        return root;
    }
}
