using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;

namespace Traceloop;

/// <summary>The traceloop command line: run, watch, dump.</summary>
internal static class Cli
{
    private const string Usage = """
        traceloop: a syscall flight recorder for containers.

        usage:
          traceloop run [--output text|json] [--pages N] [--seccomp-profile FILE] -- COMMAND [ARGS...]
              Runs COMMAND in a fresh cgroup, records its syscalls, and prints them when it exits; with
              --seccomp-profile, also writes an OCI seccomp profile allowing exactly the syscalls it made.
          traceloop advise seccomp-profile [--pages N] [--file FILE] -- COMMAND [ARGS...]
              Runs COMMAND like 'run' and writes only the seccomp profile (JSON, for runc or Kubernetes) to FILE
              or to standard output (the command's own output goes to standard error). Refuses a history that
              does not hold every syscall (exit 1: record again with a larger --pages).
          traceloop watch [--output text|json] [--pages N] [--name N] [--id ID] [--label k=v,...] [--namespace NS]
                          [--podname POD] [--containerindex I] [--all]
              Records every matching container and prints a container's history when it crashes.
          traceloop dump CONTAINER
              Prints the history of a container recorded by a running 'traceloop watch'.
        """;

    internal static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            return args[0] switch
            {
                "run" => await RunCommandAsync(args[1..], adviseOnly: false),
                "advise" when args.Length > 1 && args[1] == "seccomp-profile" => await RunCommandAsync(args[2..], adviseOnly: true),
                "watch" => await WatchCommand.RunAsync(args[1..]),
                "dump" => await WatchCommand.DumpAsync(args[1..]),
                _ => Fail($"unknown command '{args[0]}'"),
            };
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message);
        }
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine($"traceloop: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static async Task<int> RunCommandAsync(string[] args, bool adviseOnly)
    {
        var output = "text";
        int? pages = null;
        string? seccompProfile = null;
        string? profileFile = null;
        var i = 0;
        for (; i < args.Length && args[i] != "--"; i++)
        {
            switch (args[i])
            {
                case "--output" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--pages" when i + 1 < args.Length:
                    pages = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--seccomp-profile" when i + 1 < args.Length:
                    seccompProfile = args[++i];
                    break;
                case "--file" when adviseOnly && i + 1 < args.Length:
                    profileFile = args[++i];
                    break;
                default:
                    // The first non-option starts the command ("--" is optional).
                    goto command;
            }
        }
        if (i < args.Length && args[i] == "--")
        {
            i++;
        }
    command:
        if (i >= args.Length)
        {
            throw new ArgumentException("run needs a command: traceloop run -- COMMAND [ARGS...]");
        }
        if (output is not ("text" or "json"))
        {
            throw new ArgumentException($"--output must be text or json, not '{output}'");
        }

        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = pages ?? 256 });
        // Advising: the command's own output must not mix with the profile on standard output.
        await using var command = TracedCommand.Start(tracer, args[i], args[(i + 1)..], redirectOutput: adviseOnly);
        var forwarding = adviseOnly
            ? Task.WhenAll(command.Process.StandardOutput.BaseStream.CopyToAsync(Console.OpenStandardError()), command.Process.StandardError.BaseStream.CopyToAsync(Console.OpenStandardError()))
            : Task.CompletedTask;
        var exitCode = await command.WaitForExitAsync();
        await forwarding;
        var records = command.Dump();
        if (!adviseOnly)
        {
            Print(records, output, Console.Error);
        }
        if (adviseOnly || seccompProfile is not null)
        {
            string profile;
            try
            {
                profile = SeccompProfileAdvisor.Create(records).ToJson();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"traceloop: no seccomp profile: {e.Message}");
                return 1;
            }
            var file = adviseOnly ? profileFile : seccompProfile;
            if (file is null)
            {
                Console.WriteLine(profile);
            }
            else
            {
                await File.WriteAllTextAsync(file, profile + "\n");
                Console.Error.WriteLine($"traceloop: seccomp profile written to {file}");
            }
        }
        // How it ended, as the kernel reported it (printed above with the history): a signal is not an exit code.
        return exitCode;
    }

    /// <summary>Prints a history strace-like (text) or one JSON object per line: syscalls, process exits, and what it lacks.</summary>
    internal static void Print(IReadOnlyList<SyscallRecord> records, string output, TextWriter writer) =>
        new SyscallHistoryWriter(json: output == "json").Write(records, writer);
}
