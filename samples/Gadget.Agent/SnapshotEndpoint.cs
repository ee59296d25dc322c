using System.Buffers;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadget.Agent;

/// <summary>
/// <c>GET /snapshot/process[?selector]</c> and <c>GET /snapshot/socket[?selector]</c>: the processes or the TCP and UDP
/// sockets there are now (BPF task, tcp and udp iterators, run once for the request), of the selected containers or of
/// the whole node, as JSON lines (<c>application/x-ndjson</c>, one <c>{"type":"event","gadget":"snapshot-process",...}</c>
/// per row, as <c>gadgets snapshot process -o json</c> writes them: schemas/gadget-event.schema.json); the answer ends
/// after the last row. A snapshot counts as one of the caller's streams while it is taken (per-caller and total limits).
/// </summary>
internal static class SnapshotEndpoint
{
    /// <summary>The snapshots the agent takes.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["process", "socket"];

    public static async Task RunAsync(string kind, HttpContext context, TraceSessions sessions, CallerLimits limits, ILogger<GadgetStreams> logger)
    {
        if (!Kinds.Contains(kind))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"unknown snapshot '{kind}' ({string.Join(", ", Kinds)})\n");
            return;
        }
        // No selector: every process (socket) of the node, host ones too.
        var selector = context.Request.Query.Count == 0 ? null : SelectorRequest.FromQuery(context.Request.Query).ToSelector();
        await TakeAsync(context, sessions, limits, logger, $"{kind} snapshot", selector,
            (options, _) => Task.Run(() => kind == "process" ? Processes(options) : Sockets(options), context.RequestAborted));
    }

    /// <summary>
    /// Takes a one-shot result for the caller (counted as one of its streams while it is taken: per-caller and total
    /// limits) and answers it as JSON lines: the snapshots here, the CPU profile (<see cref="ProfileEndpoint"/>).
    /// </summary>
    internal static async Task TakeAsync(HttpContext context, TraceSessions sessions, CallerLimits limits, ILogger<GadgetStreams> logger,
        string what, Gadget.Containers.ContainerSelector? selector, Func<GadgetOptions, CancellationToken, Task<List<byte[]>>> take)
    {
        var caller = AgentEndpoints.Caller(context);
        var (status, reason) = limits.TryOpenStream(caller);
        if (reason is not null)
        {
            logger.LogWarning("Refused a {What} to {Caller}: {Reason}", what, caller, reason);
            await Results.Problem(detail: reason, statusCode: status, title: status == StatusCodes.Status429TooManyRequests ? "Too many streams for this caller" : "The agent is at capacity").ExecuteAsync(context);
            return;
        }
        try
        {
            var options = new GadgetOptions { Containers = sessions.Containers, Selector = selector, Logger = logger };
            var lines = await take(options, context.RequestAborted);
            logger.LogInformation("{Caller} took a {What} ({Selector}): {Rows} rows", caller, what, (object?)selector ?? "every process", lines.Count);
            context.Response.ContentType = "application/x-ndjson";
            foreach (var line in lines)
            {
                context.Response.BodyWriter.Write(line);
            }
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        finally
        {
            limits.CloseStream(caller);
        }
    }

    private static List<byte[]> Processes(GadgetOptions options)
    {
        using var snapshot = ProcessSnapshot.Start(options);
        var time = EventTime.Now();
        return [.. snapshot.Take().Select(p => EventJson.Line(GadgetSchemas.SnapshotProcess, new ProcessRow(p, time)))];
    }

    private static List<byte[]> Sockets(GadgetOptions options)
    {
        using var snapshot = SocketSnapshot.Start(options);
        var time = EventTime.Now();
        return [.. snapshot.Take().Select(s => EventJson.Line(GadgetSchemas.SnapshotSocket, new SocketRow(s, time)))];
    }
}
