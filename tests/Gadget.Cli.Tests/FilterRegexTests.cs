using System.Diagnostics;

namespace Gadget.Cli.Tests;

/// <summary>
/// A <c>--filter field~regex</c> is matched against text the traced processes choose (their arguments, paths, names): a
/// pattern with nested quantifiers, <c>(x+)+$</c>, against an argument of 40 x's and a z backtracked past the match timeout and
/// the RegexMatchTimeoutException ended the tool (exit 1). It runs on, and the events that match still show.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class FilterRegexTests
{
    [Fact]
    public async Task ACatastrophicPatternDoesNotEndTheTool()
    {
        var marker = "gadget-re-" + Guid.NewGuid().ToString("N")[..10];
        using var tool = new RunningTool(Tool.Gadgets, "execsnoop", "--host", "-o", "json", "--filter", $"args~(x+)+$|{marker}");
        await tool.WaitReadyAsync();
        static void Exec(string argument)
        {
            using var echo = Process.Start(new ProcessStartInfo("/bin/echo", [argument]) { RedirectStandardOutput = true });
            echo!.WaitForExit();
        }
        Exec(new string('x', 40) + "z");
        await Task.Delay(TimeSpan.FromSeconds(1)); // its match, 2^40 steps backtracking, was given up after 100 ms: the tool ended then
        await tool.TriggerUntilAsync(() => Exec(marker), line => line.Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain(tool.Lines, line => line.Contains(new string('x', 40), StringComparison.Ordinal));
        await tool.InterruptExpectingSuccessAsync();
    }
}
