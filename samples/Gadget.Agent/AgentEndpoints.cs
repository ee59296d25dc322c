using System.Text;
using Gadget.CommandLine;
using Gadget.Traceloop.Decoding;

namespace Gadget.Agent;

/// <summary>The agent's HTTP endpoints: traces, containers, histories, gadget streams, snapshots.</summary>
internal static class AgentEndpoints
{
    private static readonly Lock TraceGate = new();

    public static void Map(WebApplication app)
    {
        app.MapPost("/traces", (TraceRequest request, TraceSessions sessions, AgentOptions options, HttpContext context, ILogger<TraceSessions> logger) =>
        {
            var selector = request.ToSelector();
            var caller = Caller(context);
            string id;
            lock (TraceGate)
            {
                // A trace outlives its caller's connection: one caller must not take every trace the agent allows.
                var mine = sessions.Started(caller.Key);
                if (mine >= options.MaxTracesPerCaller)
                {
                    return Results.Problem(detail: $"too many traces from {caller.Key}: {mine} running, at most {options.MaxTracesPerCaller} per caller (--max-traces-per-caller)", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many traces for this caller");
                }
                var running = sessions.List().Count();
                if (running >= options.MaxTraces)
                {
                    return Results.Problem(detail: $"the agent is at capacity: {running} traces, at most {options.MaxTraces} (--max-traces)", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many traces");
                }
                id = sessions.Start(selector, caller.Key, request.ExitTimestamps);
            }
            logger.LogInformation("{Caller} started trace {TraceId} for {Selector}", caller, id, selector);
            return Results.Created($"/traces/{id}", new { id });
        });
        app.MapGet("/traces", (TraceSessions sessions) => Results.Ok(sessions.List()));
        app.MapDelete("/traces/{id}", (string id, TraceSessions sessions, HttpContext context, ILogger<TraceSessions> logger) =>
        {
            if (!sessions.Stop(id))
            {
                return Results.Text($"no trace '{id}'\n", statusCode: StatusCodes.Status404NotFound);
            }
            logger.LogInformation("{Caller} stopped trace {TraceId}", Caller(context), id);
            return Results.NoContent();
        });
        app.MapGet("/containers", (TraceSessions sessions) => Results.Ok(sessions.Containers.Containers));
        app.MapGet("/containers/{idOrName}/history", HistoryAsync);
        app.MapGet("/gadgets/{name}", GadgetStream.RunAsync);
        app.MapGet("/snapshot/{kind}", SnapshotEndpoint.RunAsync);
        app.MapGet("/profile/cpu", ProfileEndpoint.RunAsync);
        // Liveness and readiness: 200 while the agent can trace (libbpf, BTF, capabilities), 503 with the reason otherwise.
        app.MapGet("/healthz", (TraceSessions sessions) => AgentPreflight.Problem() is { } problem
            ? Results.Problem(detail: problem, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The agent cannot trace")
            : Results.Text($"ok: libbpf {Gadget.Bpf.BpfEnvironment.LibbpfVersion}, {sessions.Containers.Containers.Count} container(s), {sessions.List().Count()} trace(s)\n"));
    }

    /// <summary>The caller of the request (set on its connection).</summary>
    public static Caller Caller(HttpContext context) => context.Features.Get<Caller>() ?? throw new InvalidOperationException("no caller on this connection");

    /// <summary>The history endpoint's query parameters: <c>output=text|json</c> and strace's printing flags (<see cref="SyscallPrinting.QueryParameters"/>).</summary>
    private static readonly string[] HistoryParameters = ["output", .. SyscallPrinting.QueryParameters];

    private static async Task HistoryAsync(string idOrName, string? output, TraceSessions sessions, HttpContext context, ILogger<TraceSessions> logger)
    {
        if (output is not (null or "text" or "json"))
        {
            throw new BadHttpRequestException($"output is text or json, not '{DisplayText.Escape(output)}'", StatusCodes.Status400BadRequest);
        }
        // An unknown parameter is refused, not ignored: a misspelt one would print the history as if it were not given.
        if (context.Request.Query.Keys.FirstOrDefault(k => !HistoryParameters.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            throw new BadHttpRequestException($"unknown query parameter '{DisplayText.Escape(unknown)}' (known: {string.Join(", ", HistoryParameters)})", StatusCodes.Status400BadRequest);
        }
        SyscallHistoryWriter writer;
        try
        {
            // -s limits the printing only: what the trace recorded of each buffer (TraceloopOptions.BufferCaptureBytes) is set.
            writer = SyscallPrinting.FromQuery(name => [.. context.Request.Query[name].OfType<string>()]).Writer(json: output == "json");
        }
        catch (FormatException e)
        {
            throw new BadHttpRequestException(e.Message, StatusCodes.Status400BadRequest);
        }
        logger.LogInformation("{Caller} reads the history of container {Container}", Caller(context), idOrName);
        if (sessions.Dump(idOrName) is not { } dump)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"no trace records a container '{idOrName}'\n", context.RequestAborted);
            return;
        }
        // The syscalls, each process's end as the kernel reported it, and first what the history lacks (overwritten syscalls).
        context.Response.ContentType = output == "json" ? "application/x-ndjson" : "text/plain; charset=utf-8";
        var text = new StringWriter();
        writer.Write(dump.History, text);
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
