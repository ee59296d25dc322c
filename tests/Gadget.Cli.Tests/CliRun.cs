namespace Gadget.Cli.Tests;

/// <summary>How one run of a tool ended.</summary>
internal sealed record CliRun(string CommandLine, int ExitCode, string Output, string Error)
{
    /// <summary>Standard error's non-empty lines.</summary>
    internal string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The contract of every failure: <paramref name="exitCode"/>, one line on standard error, no stack trace.</summary>
    internal void AssertOneLineFailure(int exitCode, string? mentions = null)
    {
        var context = $"{CommandLine}\nexit {ExitCode}\nstderr:\n{Error}\nstdout:\n{Output}";
        Assert.True(ExitCode == exitCode, $"expected exit {exitCode}: {context}");
        AssertNoStackTrace();
        Assert.True(ErrorLines.Length == 1, $"expected one line on stderr: {context}");
        if (mentions is not null)
        {
            Assert.True(ErrorLines[0].Contains(mentions, StringComparison.Ordinal), $"the line does not name {mentions}: {context}");
        }
    }

    /// <summary>Never "Unhandled exception", never a stack frame, never exit 134 (SIGABRT).</summary>
    internal void AssertNoStackTrace()
    {
        Assert.False(Error.Contains("Unhandled exception", StringComparison.Ordinal) || Output.Contains("Unhandled exception", StringComparison.Ordinal), $"{CommandLine}: {Error}");
        Assert.DoesNotMatch(@"(?m)^\s+at [\w.`<>]+\(", Error);
        Assert.NotEqual(134, ExitCode);
    }
}
