namespace Gadget.Cli.Tests;

/// <summary>
/// A bad value for any option of any command: exit 2 and one line on standard error naming the option. Every option a
/// --help lists takes part: a typed one is given a value it refuses, a flag or a free-text option is declared as such,
/// so a new option cannot be added without its entry here.
/// </summary>
public sealed class BadValueTests
{
    public static TheoryData<string> Commands() => HelpTests.Commands();

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EveryTypedOptionRefusesABadValueOnOneLine(string name)
    {
        var command = CliCommand.All.Single(c => c.ToString() == name);
        var help = await command.Tool.RunAsync([.. command.Words, "--help"]);
        var options = HelpText.Options(help.Output);
        Assert.NotEmpty(options);
        foreach (var (names, takesValue) in options)
        {
            var option = names.First(n => n.StartsWith("--", StringComparison.Ordinal) || names.Length == 1);
            if (!takesValue)
            {
                continue; // a flag: nothing to get wrong but its spelling (below)
            }
            if (CliCommand.FreeText.Contains(option))
            {
                continue;
            }
            Assert.True(CliCommand.BadValues.TryGetValue(option, out var bad), $"{command}: {option} is neither in BadValues nor in FreeText");
            foreach (var alias in names.Where(n => n != "-?"))
            {
                var run = await command.Tool.RunAsync([.. command.Words, alias, bad!, .. command.Tail]);
                run.AssertOneLineFailure(2, option);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task AnUnknownOptionIsOneLine(string name)
    {
        var command = CliCommand.All.Single(c => c.ToString() == name);
        var run = await command.Tool.RunAsync([.. command.Words, "--no-such-option", .. command.Tail]);
        run.AssertOneLineFailure(2, "--no-such-option");
    }

    [Fact]
    public async Task BadArgumentsAreOneLine()
    {
        foreach (var (tool, arguments, mentions) in CliCommand.BadArguments)
        {
            (await tool.RunAsync(arguments)).AssertOneLineFailure(2, mentions);
        }
    }

    [Fact]
    public async Task ConflictingAndMissingChoicesAreOneLine()
    {
        (await Tool.Gadgets.RunAsync(["execsnoop", "--host", "--name", "web"])).AssertOneLineFailure(2, "--host");
        (await Tool.Traceloop.RunAsync(["watch"])).AssertOneLineFailure(2, "selector");
        (await Tool.Traceloop.RunAsync(["run"])).AssertOneLineFailure(2, "run");
        (await Tool.Gadgets.RunAsync(["nosuchgadget"])).AssertOneLineFailure(2, "nosuchgadget");
        (await Tool.Gadgets.RunAsync([])).AssertOneLineFailure(2);
        (await Tool.Client.RunAsync(["--agent", "unix:/nonexistent/agent.sock", "containers"])).AssertOneLineFailure(1, "/nonexistent/agent.sock");
        (await Tool.Traceloop.RunAsync(["dump", "--socket", "/nonexistent/traceloop.sock", "web"])).AssertOneLineFailure(1, "/nonexistent/traceloop.sock");
    }

    /// <summary>
    /// tcpdrop --reason takes one of the running kernel's drop reasons (from its BTF), in any case: an unknown one matched
    /// no drop, silently; now it is refused on one line that lists some valid ones, those containing the value first.
    /// </summary>
    [Fact]
    public async Task ADropReasonIsOneOfTheKernels()
    {
        var unknown = await Tool.Gadgets.RunAsync(["tcpdrop", "--reason", "abc", "--timeout", "1"]);
        unknown.AssertOneLineFailure(2, "--reason");
        Assert.Contains("NO_SOCKET", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("'abc'", unknown.Error, StringComparison.Ordinal);
        var near = await Tool.Gadgets.RunAsync(["tcpdrop", "--reason", "socket", "--timeout", "1"]);
        near.AssertOneLineFailure(2, "drop reasons (NO_SOCKET, ");
        var known = await Tool.Gadgets.RunAsync(["tcpdrop", "--reason", "no_socket", "--timeout", "1"]);
        Assert.True(known.ExitCode == 0, known.Error);
    }

    /// <summary>
    /// A file written after the recording (which may last long) and an empty command to run are refused before anything
    /// runs: an empty --seccomp-profile/--file, a directory or a missing directory failed only after the command had run
    /// (exit 1, "ArgumentException: The value cannot be an empty string." for the empty ones).
    /// </summary>
    [Theory]
    [InlineData("traceloop", "--seccomp-profile", "")]
    [InlineData("traceloop", "--seccomp-profile", "/tmp")]
    [InlineData("traceloop", "--seccomp-profile", "/nonexistent/dir/profile.json")]
    [InlineData("advise", "--file", "")]
    [InlineData("advise", "--file", "/tmp")]
    [InlineData("advise", "--file", "/nonexistent/dir/profile.json")]
    [InlineData("gadgets", "--file", "")]
    [InlineData("gadgets", "--file", "/tmp")]
    [InlineData("gadgets", "--file", "/nonexistent/dir/policies.yaml")]
    [InlineData("traceloop", "--", "")]
    [InlineData("advise", "--", "")]
    public async Task AnUnusableFileOrCommandIsRefusedBeforeRunning(string command, string option, string value)
    {
        var run = command switch
        {
            "traceloop" when option == "--" => await Tool.Traceloop.RunAsync(["run", "--", value]),
            "advise" when option == "--" => await Tool.Traceloop.RunAsync(["advise", "seccomp-profile", "--", value]),
            "traceloop" => await Tool.Traceloop.RunAsync(["run", option, value, "--", "true"]),
            "advise" => await Tool.Traceloop.RunAsync(["advise", "seccomp-profile", option, value, "--", "true"]),
            _ => await Tool.Gadgets.RunAsync(["advise", "network-policy", "--timeout", "1", option, value]),
        };
        run.AssertOneLineFailure(2, option == "--" ? "command" : option);
    }

    /// <summary>--runtime takes a runtime's name: the enum's numbers (" 5" was docker, "+3" containerd) are refused.</summary>
    [Theory]
    [InlineData("0")]
    [InlineData(" 5")]
    [InlineData("+3")]
    [InlineData("-1")]
    [InlineData("")]
    public async Task ARuntimeIsANameNotANumber(string value)
    {
        var run = await Tool.Gadgets.RunAsync(["execsnoop", "--runtime", value, "--timeout", "1"]);
        run.AssertOneLineFailure(2, "--runtime");
    }

    [Theory]
    [InlineData("--max-connections", "0")]
    [InlineData("--max-streams", "x")]
    [InlineData("--rate", "-1")]
    [InlineData("--ring-size", "100")]
    [InlineData("--kubernetes", "maybe")]
    [InlineData("--urls", "http://127.0.0.1:1")]
    [InlineData("--no-such-option", null)]
    public async Task TheAgentRefusesABadValueOnOneLine(string option, string? value)
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cli-bad-{Guid.NewGuid():N}.sock");
        var run = await Tool.Agent.RunAsync(value is null ? ["--socket", socket, option] : ["--socket", socket, option, value]);
        run.AssertOneLineFailure(2, option);
        Assert.False(File.Exists(socket));
    }
}
