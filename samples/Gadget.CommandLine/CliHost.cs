using System.CommandLine;
using System.Runtime.InteropServices;

namespace Gadget.CommandLine;

/// <summary>
/// Runs a tool's command tree the same way for every Gadget tool: <c>--help</c> on every command (exit 0); a bad value
/// or an unknown option is one line on standard error naming it (exit 2); a failure is one line saying what to do
/// (exit 1), never a stack trace; Ctrl-C, SIGTERM and a closed standard output cancel the command's token.
/// </summary>
public static class CliHost
{
    /// <summary>Exit code of a command that ran.</summary>
    public const int Success = 0;

    /// <summary>Exit code of a failure (no privileges, no libbpf, no BTF, an error of the command).</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a bad command line.</summary>
    public const int Usage = 2;

    private static readonly CancellationTokenSource StdoutClosed = new();
    private static readonly CancellationTokenSource Interrupted = new();
    private static PosixSignal? s_signal;
    private static readonly Dictionary<Command, Func<string>> HelpSections = [];
    private static readonly HashSet<Command> s_passingSignalsOn = [];
    private static string s_tool = "gadget";

    /// <summary>
    /// Marks <paramref name="command"/> as one that passes SIGINT/SIGTERM on to a program it runs and ends when that program
    /// ends (as <c>timeout</c> or a shell does): System.CommandLine's own handling of those signals, which waits 15 s for
    /// the command inside the signal handler and then exits with 130/143, is off while it runs.
    /// </summary>
    public static void PassesSignalsOn(Command command) => s_passingSignalsOn.Add(command);

    /// <summary>The tool's name, as its messages begin.</summary>
    public static string Tool => s_tool;

    /// <summary>Canceled when standard output's reader has gone away.</summary>
    public static CancellationToken StdoutClosedToken => StdoutClosed.Token;

    /// <summary>Canceled at the process's first SIGINT or SIGTERM (from <see cref="RunProcessAsync"/> on).</summary>
    public static CancellationToken InterruptedToken => Interrupted.Token;

    /// <summary>
    /// The first SIGINT or SIGTERM the process received since <see cref="RunProcessAsync"/> began, or null: for a command
    /// that passes signals on (<see cref="PassesSignalsOn"/>), one that came before its program was there to receive it.
    /// </summary>
    public static PosixSignal? ReceivedSignal => s_signal;

    /// <summary>
    /// Parses <paramref name="args"/> against the commands <paramref name="createRoot"/> builds and runs the chosen one.
    /// The commands are built once SIGINT and SIGTERM are handled: a signal while they are built (a tool's first tenths of
    /// a second) ends the tool as one a moment later would, not by the signal's default action (exit 130/143, silently).
    /// There is no overload taking commands already built: built before the signals are handled, they left that window
    /// open (StartupSignalTests).
    /// </summary>
    /// <param name="tool">The tool's name (the first word of its messages).</param>
    /// <param name="createRoot">Builds the tool's commands.</param>
    /// <param name="args">The command line.</param>
    /// <returns>The process exit code.</returns>
    public static Task<int> RunAsync(string tool, Func<RootCommand> createRoot, string[] args)
    {
        ArgumentNullException.ThrowIfNull(createRoot);
        return RunProcessAsync(tool, (output, error, cancellationToken) => InvokeAsync(tool, createRoot(), args, output, error, cancellationToken));
    }

    /// <summary>
    /// Runs <paramref name="run"/> as the process's command: one line and exit 1 for an exception no one caught (on any
    /// thread), exit 0 once standard output's reader has gone away.
    /// </summary>
    public static async Task<int> RunProcessAsync(string tool, Func<TextWriter, TextWriter, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        s_tool = tool;
        ClosedStdout.Reserve();
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is Exception exception && CliFailure.IsBrokenPipe(exception))
            {
                Environment.Exit(Success);
            }
            if (e.ExceptionObject is Exception unwritten && ClosedStdout.Caused(unwritten))
            {
                Console.Error.WriteLine($"{tool}: {ClosedStdout.Message}");
                Environment.Exit(Failure);
            }
            Console.Error.WriteLine($"{tool}: {(e.ExceptionObject is Exception ex ? CliFailure.Describe(ex) : "failed")}");
            Environment.Exit(Failure);
        };
        StdoutWatch.Start(StdoutClosed);
        // Ctrl-C and SIGTERM cancel the command for the process's whole life. System.CommandLine handles them too, but only
        // from the first point where a command's action yields: an action that runs synchronously for a while (a gadget
        // whose reads complete at once while events keep coming) would be killed by a signal's default action (exit 130).
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(StdoutClosed.Token, Interrupted.Token);
        var code = await run(Console.Out, Console.Error, stopping.Token).ConfigureAwait(false);
        return StdoutClosed.IsCancellationRequested ? Success : code;

        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            s_signal ??= context.Signal;
            try
            {
                Interrupted.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The command has returned: the process is exiting anyway.
            }
        }
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/> with <paramref name="output"/> and <paramref name="error"/> as the
    /// console (help goes to <paramref name="output"/>, the one-line errors to <paramref name="error"/>).
    /// </summary>
    /// <returns>The exit code: the command's, 2 for a bad command line, 1 for a failure.</returns>
    public static async Task<int> InvokeAsync(string tool, RootCommand root, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var help in root.Options.OfType<System.CommandLine.Help.HelpOption>())
        {
            if (help.Action is System.CommandLine.Help.HelpAction standard)
            {
                help.Action = new SectionedHelpAction(standard, HelpSections);
            }
        }
        var result = root.Parse(args);
        if (UnknownOption(result, args) is { } unknown)
        {
            // Taken as an argument's value (a container, a command to run) it would not be reported, or not by its name.
            await error.WriteLineAsync($"{tool}: Unrecognized option '{unknown}'{(result.CommandResult.Command.Arguments.Count > 0 ? " (a command's own options go after '--')" : "")}. (see '{tool} {HelpPath(result)}')").ConfigureAwait(false);
            return Usage;
        }
        if (result.Errors.Count > 0 && result.Action is not (System.CommandLine.Help.HelpAction or SectionedHelpAction))
        {
            await error.WriteLineAsync($"{tool}: {UsageLine(tool, result)}").ConfigureAwait(false);
            return Usage;
        }
        if (cancellationToken.IsCancellationRequested && Interrupted.IsCancellationRequested && !s_passingSignalsOn.Contains(result.CommandResult.Command))
        {
            // Stopped by SIGINT/SIGTERM before it began: nothing attached, nothing to undo, as a moment later. (A reader of
            // standard output that went away already lets the command start and end as it would have a moment later.)
            return Success;
        }
        try
        {
            // Ctrl-C/SIGTERM cancel the command, which then detaches its programs: on 6.13+ a tracepoint link's detach
            // waits for an RCU Tasks Trace grace period, up to seconds on a busy machine. Past this timeout the tool exits
            // with 130/143 without finishing its cleanup (the kernel still detaches everything when the process exits).
            // A command that passes signals on to a program it runs (traceloop run) ends when that program does: no timeout.
            var timeout = s_passingSignalsOn.Contains(result.CommandResult.Command) ? (TimeSpan?)null : TimeSpan.FromSeconds(15);
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = timeout, Output = output, Error = error };
            return await result.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Success;
        }
        catch (CommandLineException e)
        {
            await error.WriteLineAsync($"{tool}: {e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (CliFailure.IsBrokenPipe(e) || (cancellationToken.IsCancellationRequested && !ClosedStdout.Caused(e)))
        {
            return Success;
        }
        catch (Exception e) when (ClosedStdout.Caused(e))
        {
            await error.WriteLineAsync($"{tool}: {ClosedStdout.Message}").ConfigureAwait(false);
            return Failure;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync($"{tool}: {CliFailure.Describe(e)}").ConfigureAwait(false);
            return Failure;
        }
    }

    /// <summary>Adds <paramref name="text"/> after <paramref name="command"/>'s help (e.g. its fields, a line each).</summary>
    public static void AddHelpSection(Command command, string text) => AddHelpSection(command, () => text);

    /// <summary>
    /// Adds the text <paramref name="text"/> makes after <paramref name="command"/>'s help: made only when that help is
    /// shown, not at every start of the tool (a gadget's field list, for each of its commands, cost ~0.5 ms of startup).
    /// </summary>
    public static void AddHelpSection(Command command, Func<string> text)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(text);
        HelpSections[command] = HelpSections.TryGetValue(command, out var existing) ? () => existing() + "\n\n" + text() : text;
    }

    /// <summary>
    /// Writes the "ready" line on standard error: the tool is attached and events from now on are seen. It stays one line:
    /// the operator's and the command's text in <paramref name="what"/> (a command's name, a selector) has its control
    /// characters escaped (<see cref="DisplayText.Escape"/>).
    /// </summary>
    public static void Ready(string what) => Console.Error.WriteLine($"{s_tool}: ready: {DisplayText.Escape(what)}");

    /// <summary>A token canceled by <paramref name="cancellationToken"/> (Ctrl-C, SIGTERM, stdout closed) or after <paramref name="timeout"/>.</summary>
    public static CancellationTokenSource Stopping(CancellationToken cancellationToken, TimeSpan? timeout)
    {
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } after)
        {
            stopping.CancelAfter(after);
        }
        return stopping;
    }

    /// <summary>The first word before '--' that looks like an option and is none of the command's.</summary>
    private static string? UnknownOption(ParseResult result, string[] args)
    {
        var options = new Dictionary<string, Option>(StringComparer.Ordinal);
        for (var command = result.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in command.Command.Options)
            {
                if (command == result.CommandResult || option.Recursive)
                {
                    options.TryAdd(option.Name, option);
                    foreach (var alias in option.Aliases)
                    {
                        options.TryAdd(alias, option);
                    }
                }
            }
        }
        for (var i = 0; i < args.Length; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                return null;
            }
            var name = token.Split('=', 2)[0];
            if (options.TryGetValue(name, out var known))
            {
                if (known.Arity.MaximumNumberOfValues > 0 && !token.Contains('=', StringComparison.Ordinal))
                {
                    i++; // its value, whatever it looks like
                }
                continue;
            }
            if (token.Length > 1 && token[0] == '-' && !double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return token;
            }
        }
        return null;
    }

    private static string HelpPath(ParseResult result) =>
        result.CommandResult.Command == result.RootCommandResult.Command ? "--help" : $"{CommandPath(result)} --help";

    private static string UsageLine(string tool, ParseResult result)
    {
        // An unknown word says more than the missing command it caused.
        var error = result.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) ?? result.Errors[0];
        var message = error.Message.ReplaceLineEndings(" ").Trim();
        var command = result.CommandResult.Command;
        var path = command == result.RootCommandResult.Command ? "--help" : $"{CommandPath(result)} --help";
        return $"{message} (see '{tool} {path}')";
    }

    private static string CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (var symbol = result.CommandResult; symbol is not null && symbol.Parent is not null; symbol = symbol.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(symbol.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
