using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>A README example running (see <see cref="ExampleApp.Start"/>); disposing kills it if it still runs.</summary>
internal sealed class RunningExample(RunningProcess process, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Waits until it prints <paramref name="text"/> (a minute at most).</summary>
    public void WaitForOutput(string text) => process.WaitForOutput(text, TimeSpan.FromMinutes(1));

    /// <summary>Waits for it to end (killed after two minutes), logs its output, asserts it exited with 0 and returns its output.</summary>
    public string WaitForSuccess()
    {
        var exitCode = process.WaitForExit(RunTimeout);
        var text = process.Output;
        output.WriteLine($"ran in {_watch.Elapsed.TotalSeconds:F1} s:");
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"The example exited with {exitCode}:\n{text}");
        return text;
    }

    public void Dispose() => process.Dispose();
}
