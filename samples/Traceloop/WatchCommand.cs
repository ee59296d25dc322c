using System.Net.Sockets;
using System.Text;
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

    internal static async Task<int> RunAsync(string[] args)
    {
        var output = "text";
        int? pages = null;
        var socketPath = DefaultSocket;
        var selector = new ContainerSelector();
        var any = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--output": output = Value(); break;
                case "--pages": pages = int.Parse(Value()); break;
                case "--socket": socketPath = Value(); break;
                case "--name": selector = selector with { Name = Value() }; any = true; break;
                case "--id": selector = selector with { IdPrefix = Value() }; any = true; break;
                case "--label": selector = selector with { Labels = ContainerSelector.ParseLabels(Value()) }; any = true; break;
                case "--namespace": selector = selector with { KubernetesNamespace = Value() }; any = true; break;
                case "--podname": selector = selector with { PodName = Value() }; any = true; break;
                case "--containerindex": selector = selector with { ContainerIndex = int.Parse(Value()) }; any = true; break;
                case "--all": any = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (!any)
        {
            throw new ArgumentException("watch needs a selector (--name, --id, --label, --namespace, --podname, --containerindex) or --all");
        }

        using var stop = new CancellationTokenSource();
        // Ctrl-C (SIGINT) and SIGTERM stop the watch cleanly (the rings are freed, the socket removed).
        using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = pages ?? 64 });
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, selector);
        var print = new Lock();
        recorder.ContainerCrashed += (_, e) =>
        {
            lock (print)
            {
                Console.WriteLine($"=== container {e.Container.Name} ({e.Container.Id}) {e.ExitStatus}: its last {e.History.Count} syscalls ===");
                Cli.Print(e.History, output, Console.Out);
                Console.WriteLine($"=== end of {e.Container.Name} ===");
            }
        };
        Console.Error.WriteLine($"traceloop: recording containers matching {selector} ({tracer.BytesPerContainer / 1024} KiB each); dump with 'traceloop dump CONTAINER'; Ctrl-C to stop.");
        try
        {
            await ServeDumpsAsync(socketPath, recorder, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    private static async Task ServeDumpsAsync(string path, ContainerRecorder recorder, CancellationToken cancellationToken)
    {
        File.Delete(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(8);
        try
        {
            while (true)
            {
                using var client = await listener.AcceptAsync(cancellationToken);
                await using var stream = new NetworkStream(client);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
                var request = (await reader.ReadLineAsync(cancellationToken))?.Split(' ', 2);
                if (request is not [var format, var container])
                {
                    await writer.WriteLineAsync("error: expected 'text|json CONTAINER'");
                    continue;
                }
                try
                {
                    Cli.Print(recorder.Dump(container), format, writer);
                }
                catch (KeyNotFoundException e)
                {
                    await writer.WriteLineAsync("error: " + e.Message);
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static async Task<int> DumpAsync(string[] args)
    {
        var output = "text";
        var socketPath = DefaultSocket;
        string? container = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--output" when i + 1 < args.Length: output = args[++i]; break;
                case "--socket" when i + 1 < args.Length: socketPath = args[++i]; break;
                default: container = args[i]; break;
            }
        }
        if (container is null)
        {
            throw new ArgumentException("dump needs a container id (or a unique prefix, or its name)");
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"traceloop: no 'traceloop watch' is listening on {socketPath} ({e.SocketErrorCode}): start one first; the history lives in its rings.");
            return 1;
        }
        await using var stream = new NetworkStream(socket);
        await using (var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true))
        {
            await writer.WriteLineAsync($"{output} {container}");
        }
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream);
        var status = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("error: ", StringComparison.Ordinal))
            {
                Console.Error.WriteLine("traceloop: " + line[7..]);
                status = 1;
            }
            else
            {
                Console.WriteLine(line);
            }
        }
        return status;
    }
}
