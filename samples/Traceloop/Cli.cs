using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Gadget.CommandLine;
using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;

namespace Traceloop;

/// <summary>The traceloop command line: run, advise seccomp-profile, watch, dump.</summary>
internal static class Cli
{
    internal static Task<int> RunAsync(string[] args) =>
        // Built once SIGINT/SIGTERM are handled: a signal while the commands are built stops traceloop cleanly.
        CliHost.RunAsync("traceloop", () => new RootCommand("traceloop: a syscall flight recorder for containers. Needs root except for 'dump', or CAP_BPF + CAP_PERFMON with CAP_DAC_OVERRIDE (run) or CAP_DAC_READ_SEARCH + CAP_SYS_PTRACE (watch), and CAP_IPC_LOCK for large or many rings.")
        {
            RunCommand(),
            AdviseCommand(),
            WatchCommand.Create(),
            WatchCommand.CreateDump(),
        }, args);

    /// <summary><c>--exit-timestamps</c>: TraceloopOptions.ExitTimestamps.</summary>
    internal static Option<bool> ExitTimestampsOption() => new("--exit-timestamps")
    {
        Arity = ArgumentArity.Zero, // not 0..1: right before '--' it made the command's own options traceloop's
        Description = "read the clock at every syscall's exit (json: exit_timestamp_ns of every call that returned; without it, only of calls whose thread was switched out, which spares a clock read per syscall)",
    };

    /// <summary><c>--pages N</c>: ring pages per CPU (a power of two).</summary>
    internal static Option<int> PagesOption(int defaultPages) => new("--pages")
    {
        Description = "ring pages per CPU (a power of two from 1 to 65536): more pages, a longer history",
        HelpName = "N",
        DefaultValueFactory = _ => defaultPages,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pages) || pages < 1 || pages > 65536 || !int.IsPow2(pages))
            {
                r.AddError($"--pages is a power of two from 1 to 65536, not '{text}'.");
                return defaultPages;
            }
            return pages;
        },
    };

    private static Argument<string[]> CommandArgument()
    {
        var argument = new Argument<string[]>("command")
        {
            Description = "the command to run and its arguments, after '--'",
            Arity = ArgumentArity.OneOrMore,
        };
        argument.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.Tokens[0].Value.Length == 0)
            {
                r.AddError("the command to run is an empty string.");
            }
        });
        return argument;
    }

    /// <summary>
    /// With <c>--</c>, the command to run is what follows it: a word before it that is no option's value (a stray path after
    /// <c>-o json</c>, strace's <c>-o FILE</c>) was silently taken as the command, and the command as its arguments. Refused
    /// (exit 2), naming the words, with <paramref name="fileOption"/> as the way to <paramref name="what"/> in a file when
    /// one looks like a path or follows <c>-o</c>'s value. Without <c>--</c> the first word is the command, as before.
    /// </summary>
    private static void RefuseArgumentsBeforeDoubleDash(ParseResult result, Argument<string[]> argv, string fileOption, string what)
    {
        var tokens = result.Tokens;
        var doubleDash = -1;
        for (var i = 0; i < tokens.Count && doubleDash < 0; i++)
        {
            doubleDash = tokens[i].Type == TokenType.DoubleDash ? i : -1;
        }
        if (doubleDash < 0 || result.GetResult(argv) is not { } values)
        {
            return;
        }
        // The argument's tokens are the parse's own (by reference): those before '--' are the stray ones.
        var stray = values.Tokens.Select(t => (Token: t, Index: IndexOf(tokens, t))).Where(t => t.Index >= 0 && t.Index < doubleDash).ToList();
        if (stray.Count == 0)
        {
            return;
        }
        var words = string.Join(" ", stray.Select(t => $"'{DisplayText.Escape(t.Token.Value)}'"));
        var first = stray[0];
        var afterFormat = first.Index >= 2 && tokens[first.Index - 2] is { Type: TokenType.Option, Value: "-o" or "--output" };
        var hint = afterFormat || first.Token.Value.Contains('/', StringComparison.Ordinal)
            ? $"; to write {what} to a file, give {fileOption} {DisplayText.Escape(first.Token.Value)}{(afterFormat ? " (-o is the format: text or json)" : "")}"
            : "";
        throw new CommandLineException($"{words} before '--' {(stray.Count == 1 ? "is not an option or its" : "are not options or their")} value: the command to run and its arguments go after '--'{hint}.");

        static int IndexOf(IReadOnlyList<Token> tokens, Token token)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                if (ReferenceEquals(tokens[i], token))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    private static Command RunCommand()
    {
        var command = new Command("run", "Run COMMAND in a fresh cgroup, record its syscalls, and print them (standard error, or --output-file FILE) when it exits, with how each process ended. Exits with COMMAND's status. SIGTERM and SIGHUP sent to traceloop (and SIGINT, without a terminal) are passed on to COMMAND.");
        var history = new HistoryOptions(command, "standard error", "run");
        var pages = PagesOption(256);
        var profile = ValueOptions.OutputFile("--seccomp-profile", "also write an OCI seccomp profile allowing exactly the syscalls it made to FILE");
        var exitTimestamps = ExitTimestampsOption();
        var argv = CommandArgument();
        command.Options.Add(pages);
        command.Options.Add(profile);
        command.Options.Add(exitTimestamps);
        command.Arguments.Add(argv);
        command.SetAction((result, _) =>
        {
            RefuseArgumentsBeforeDoubleDash(result, argv, "--output-file", "the history");
            return RunCommandAsync(result.GetRequiredValue(argv), result.GetValue(pages), history.Read(result), result.GetValue(profile), adviseOnly: false, result.GetValue(exitTimestamps));
        });
        CliHost.PassesSignalsOn(command);
        return command;
    }

    private static Command AdviseCommand()
    {
        var advise = new Command("advise", "Advice from a recorded history.");
        var command = new Command("seccomp-profile", "Run COMMAND like 'run' and write only the seccomp profile (JSON, for runc or Kubernetes) to FILE or to standard output (COMMAND's own output goes to standard error). Refuses a history that does not hold every syscall (exit 1: record again with a larger --pages).");
        var pages = PagesOption(256);
        var file = ValueOptions.OutputFile("--file", "write the profile to FILE instead of standard output");
        var argv = CommandArgument();
        command.Options.Add(pages);
        command.Options.Add(file);
        command.Arguments.Add(argv);
        command.SetAction((result, _) =>
        {
            RefuseArgumentsBeforeDoubleDash(result, argv, "--file", "the profile");
            return RunCommandAsync(result.GetRequiredValue(argv), result.GetValue(pages), HistoryPrinting.Default, result.GetValue(file), adviseOnly: true);
        });
        CliHost.PassesSignalsOn(command);
        advise.Subcommands.Add(command);
        return advise;
    }

    private static async Task<int> RunCommandAsync(string[] argv, int pages, HistoryPrinting printing, string? profileFile, bool adviseOnly, bool exitTimestamps = false)
    {
        TracedCommand.EnsureCanCreateCgroup(); // the cheapest check first, before the BPF programs are loaded
        // --output-file FILE: made (emptied) before the command runs, as strace does, so that a file that cannot be written stops it.
        await using var historyFile = printing.File is null ? null : OpenHistoryFile(printing.File);
        // -T needs every call's exit time; -s N needs N bytes of each buffer (up to 256).
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions
        {
            PagesPerCpu = pages,
            ExitTimestamps = exitTimestamps || printing.Syscalls.Durations,
            BufferCaptureBytes = printing.BufferCaptureBytes,
            Logger = CliLogger.Instance,
        });
        // The cgroup and its ring before 'ready' (a ring's memory can be refused: CAP_IPC_LOCK), the command after it.
        // Advising: the command's own output must not mix with the profile on standard output.
        // The command gets the open-file soft limit traceloop was started with, not the one the runtime raised it to.
        await using var command = TracedCommand.Prepare(tracer, argv[0], argv[1..],
            new TracedCommandOptions { RedirectOutput = adviseOnly, OpenFileSoftLimit = TracedCommand.StartingOpenFileSoftLimit });
        CliHost.Ready($"recording '{argv[0]}' ({pages} pages per CPU)");
        command.Start();
        // A signal sent to traceloop alone (kill PID, timeout, systemd) is meant to end the command: passed on, and the
        // history printed when it ends. A terminal's Ctrl-C reached the command already (one foreground process group),
        // so SIGINT is passed on only without a terminal.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, PassOn);
        using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, PassOn);
        using var onInt = Console.IsInputRedirected ? PosixSignalRegistration.Create(PosixSignal.SIGINT, PassOn) : null;
        // One that came while traceloop was starting, before there was a command to receive it, is passed on now.
        if (CliHost.ReceivedSignal is { } early)
        {
            command.Signal(early);
        }
        var forwarding = adviseOnly
            ? Task.WhenAll(command.Process.StandardOutput.BaseStream.CopyToAsync(Console.OpenStandardError()), command.Process.StandardError.BaseStream.CopyToAsync(Console.OpenStandardError()))
            : Task.CompletedTask;
        var exitCode = await command.WaitForExitAsync();
        await forwarding;
        var records = command.Dump();
        if (!adviseOnly)
        {
            printing.Print(records, historyFile ?? Console.Error);
        }
        if (adviseOnly || profileFile is not null)
        {
            string profile;
            try
            {
                profile = SeccompProfileAdvisor.Create(records).ToJson();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"traceloop: no seccomp profile: {e.Message}");
                return CliHost.Failure;
            }
            if (profileFile is null)
            {
                Console.WriteLine(profile);
            }
            else
            {
                try
                {
                    await using var file = new StreamWriter(OutputFile.Create(profileFile), new System.Text.UTF8Encoding(false));
                    await file.WriteAsync(profile + "\n");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new CommandLineException($"cannot write the seccomp profile to {DisplayText.Escape(profileFile)}: {e.Message}", CliHost.Failure);
                }
                Console.Error.WriteLine($"traceloop: seccomp profile written to {DisplayText.Escape(profileFile)}");
            }
        }
        // How it ended, as the kernel reported it (printed above with the history): a signal is not an exit code.
        return exitCode;

        void PassOn(PosixSignalContext context)
        {
            context.Cancel = true;
            command.Signal(context.Signal);
        }
    }

    /// <summary>Creates (or empties) <paramref name="path"/> for a history (<c>--output-file FILE</c>); a one-line failure (exit 1) when it cannot be written.</summary>
    internal static StreamWriter OpenHistoryFile(string path)
    {
        try
        {
            return new StreamWriter(OutputFile.Create(path), new System.Text.UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandLineException($"cannot write the history to {DisplayText.Escape(path)}: {e.Message}", CliHost.Failure);
        }
    }
}
