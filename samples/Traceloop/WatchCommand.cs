using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Traceloop;

namespace Traceloop;

/// <summary>
/// traceloop watch: records the selected containers and prints a container's history when it crashes; serves
/// <c>traceloop dump CONTAINER</c> requests on a Unix socket.
/// </summary>
internal static class WatchCommand
{
    /// <summary>Where a running watch listens for dump requests.</summary>
    internal const string DefaultSocket = "/run/traceloop.sock";

    /// <summary><c>traceloop watch</c>.</summary>
    internal static Command Create()
    {
        var command = new Command("watch", "Record every matching container and print a container's history when it crashes (standard output, or --output-file FILE); serves 'traceloop dump CONTAINER'.");
        var history = new HistoryOptions(command, "standard output", "watch");
        var pages = Cli.PagesOption(64);
        var socket = SocketOption();
        var spareRings = ValueOptions.SpareRings();
        var exitTimestamps = Cli.ExitTimestampsOption();
        var selector = new SelectorOptions(command, host: false);
        command.Options.Add(pages);
        command.Options.Add(spareRings);
        command.Options.Add(exitTimestamps);
        command.Options.Add(socket);
        command.Validators.Add(r =>
        {
            if (!selector.IsGiven(r))
            {
                r.AddError("watch needs a selector (--name, --id, --label, --namespace, --podname, --containerindex, --runtime) or --all.");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            return await RunAsync(history.Read(result), result.GetValue(pages), result.GetValue(spareRings), result.GetValue(exitTimestamps), result.GetValue(socket)!, selector.Selector(result)!, cancellationToken);
        });
        return command;
    }

    /// <summary><c>traceloop dump CONTAINER</c>.</summary>
    internal static Command CreateDump()
    {
        var command = new Command("dump", "Print the history of a container recorded by a running 'traceloop watch' (standard output, or --output-file FILE).");
        var history = new HistoryOptions(command, "standard output", recorded: null);
        var socket = SocketOption();
        var container = new Argument<string>("container") { Description = "the container's id, a unique prefix of it, or its name" };
        // Sent to the watch as one line: a line break in it would cut the request or add one (DumpRequest).
        container.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && DumpRequest.Refuse(r.Tokens[0].Value) is { } refused)
            {
                r.AddError(refused);
            }
        });
        command.Options.Add(socket);
        command.Arguments.Add(container);
        command.SetAction((result, cancellationToken) => DumpAsync(history.Read(result), result.GetValue(socket)!, result.GetRequiredValue(container), cancellationToken));
        return command;
    }

    private static Option<string> SocketOption()
    {
        var option = new Option<string>("--socket")
        {
            Description = $"the Unix socket a watch serves dumps on (default {DefaultSocket})",
            HelpName = "PATH",
            DefaultValueFactory = _ => DefaultSocket,
        };
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && UnixSocketPath.Refuse("--socket", r.Tokens[0].Value) is { } refused)
            {
                r.AddError(refused);
            }
        });
        return option;
    }

    private static async Task<int> RunAsync(HistoryPrinting printing, int pages, int spareRings, bool exitTimestamps, string socketPath, ContainerSelector selector, CancellationToken cancellationToken)
    {
        await using var historyFile = printing.File is null ? null : Cli.OpenHistoryFile(printing.File);
        var output = historyFile ?? Console.Out;
        // Ctrl-C (SIGINT) and SIGTERM cancel the token: the watch stops cleanly (the rings are freed, the socket removed).
        // -T needs every call's exit time; -s N needs N bytes of each buffer (up to 256).
        exitTimestamps |= printing.Syscalls.Durations;
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = pages, SpareRings = spareRings, ExitTimestamps = exitTimestamps, BufferCaptureBytes = printing.BufferCaptureBytes, Logger = CliLogger.Instance });
        await using var collection = new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
        using var recorder = tracer.Follow(collection, selector);
        var print = new Lock();
        recorder.ContainerCrashed += (_, e) =>
        {
            lock (print)
            {
                var json = printing.Format == "json";
                output.WriteLine(CrashBanner.Begin(e, json));
                printing.Print(e.History, output);
                output.WriteLine(CrashBanner.End(e, json));
                output.Flush();
            }
        };
        // Listening before 'ready': a dump asked for as soon as the watch says it is ready is answered.
        using var server = new DumpServer(socketPath, exitTimestamps);
        try
        {
            CliHost.Ready($"recording containers matching {selector} ({tracer.BytesPerContainer / 1024} KiB each); dump with 'traceloop dump CONTAINER'; Ctrl-C to stop.");
            await server.ServeAsync(recorder, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    private static async Task<int> DumpAsync(HistoryPrinting printing, string socketPath, string container, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            Console.Error.WriteLine($"traceloop: may not connect to {DisplayText.Escape(socketPath)} (permission denied): only root and the user running 'traceloop watch' may ask it for dumps.");
            return CliHost.Failure;
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"traceloop: no 'traceloop watch' is listening on {DisplayText.Escape(socketPath)} ({e.SocketErrorCode}): start one first; the history lives in its rings.");
            return CliHost.Failure;
        }
        // What the watch sends is printed as it comes: only a watch of root's or of this user's is believed. In a directory
        // others may write (/tmp), the socket may be another user's, listening to forge a history (and terminal commands).
        var server = PeerCredentials.Read(socket);
        var self = PeerTrust.EffectiveUserId();
        if (!PeerTrust.IsTrusted(server))
        {
            Console.Error.WriteLine($"traceloop: {DisplayText.Escape(socketPath)} is served by user {server.Uid} (pid {server.Pid}), which is neither root nor this user (uid {self}) and may not load BPF programs (no CAP_BPF): no watch; give the --socket of a real one.");
            return CliHost.Failure;
        }
        await using var stream = new NetworkStream(socket);
        await using (var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true))
        {
            await writer.WriteAsync(new DumpRequest(printing.WithoutFile(), container).Line); // the container was checked: one line
        }
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream);
        await using var historyFile = printing.File is null ? null : Cli.OpenHistoryFile(printing.File);
        var output = historyFile ?? Console.Out;
        var status = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("error: ", StringComparison.Ordinal))
            {
                // A watch's words: no terminal commands. One older than -s/-T/-t/-e refuses a request that asks for them.
                Console.Error.WriteLine("traceloop: " + DisplayText.Escape(line[7..]) + DumpRequest.OlderWatchHint(printing, line[7..]));
                status = 1;
            }
            else
            {
                output.WriteLine(DisplayText.Escape(line)); // a watch escapes what the containers chose: this changes nothing of its lines
            }
        }
        return status;
    }
}
