using System.Buffers;
using System.Threading.Channels;

namespace Gadget.Agent;

/// <summary>
/// <c>GET /gadgets/NAME[?selector]</c>: one client of a shared gadget, as JSON lines. The first line is
/// <c>{"type":"attached","gadget":NAME,"selector":...,"clients":N}</c>. Besides the events, the stream carries <c>{"type":"lost","count":N,"source":"kernel"|"client",...}</c> records: events the kernel dropped (the gadget's
/// ring was full) and events dropped because this client read too slowly (its queue was full). A gadget that fails ends
/// the stream with a <c>{"type":"error","reason":...}</c> record.
/// </summary>
internal static class GadgetStream
{
    private const int FlushEvery = 64;

    public static async Task RunAsync(string name, HttpContext context, GadgetStreams gadgets, CallerLimits limits, AgentOptions options, IHostApplicationLifetime lifetime, ILogger<GadgetStreams> logger)
    {
        if (!GadgetStreams.Names.Contains(name))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"unknown gadget '{name}' ({string.Join(", ", GadgetStreams.Names)})\n");
            return;
        }
        // No selector: every process of the node, host processes too.
        var selector = context.Request.Query.Count == 0 ? null : SelectorRequest.FromQuery(context.Request.Query).ToSelector();
        var caller = AgentEndpoints.Caller(context);
        var (status, reason) = limits.TryOpenStream(caller);
        if (reason is not null)
        {
            logger.LogWarning("Refused a {Gadget} stream to {Caller}: {Reason}", name, caller, reason);
            await Results.Problem(detail: reason, statusCode: status, title: status == StatusCodes.Status429TooManyRequests ? "Too many streams for this caller" : "The agent is at capacity").ExecuteAsync(context);
            return;
        }
        try
        {
            var (feed, subscriber) = gadgets.Subscribe(name, selector);
            try
            {
                logger.LogInformation("{Caller} streams {Gadget} ({Selector}); {Clients} client(s) share it", caller, name, (object?)selector ?? "every process", feed.Count);
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
                await WriteAsync(context, name, feed.Count, subscriber, options, stopping.Token);
            }
            finally
            {
                await gadgets.UnsubscribeAsync(feed, subscriber);
                logger.LogInformation("{Caller} stopped streaming {Gadget}", caller, name);
            }
        }
        finally
        {
            limits.CloseStream(caller);
        }
    }

    private static async Task WriteAsync(HttpContext context, string name, int clients, StreamSubscriber subscriber, AgentOptions options, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "application/x-ndjson";
        var body = response.BodyWriter;
        // The first record goes out at once (Kestrel sends the headers with the first bytes of the body), so the client
        // knows the gadget is attached before any event.
        WriteLine(body, $"{{\"type\":\"attached\",\"gadget\":\"{name}\",\"selector\":{System.Text.Json.JsonSerializer.Serialize(subscriber.Selector?.ToString())},\"clients\":{clients}}}");
        await body.FlushAsync(cancellationToken);
        var reader = subscriber.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                var pending = 0;
                while (reader.TryRead(out var line))
                {
                    if (line is null)
                    {
                        continue; // a wake-up: the kernel lost events
                    }
                    body.Write(line);
                    if (++pending == FlushEvery)
                    {
                        pending = 0;
                        await body.FlushAsync(cancellationToken); // waits while the client is slow; its queue fills meanwhile
                    }
                }
                // Whatever was dropped was dropped after what the queue held.
                var (kernel, client) = subscriber.TakeLost();
                if (kernel > 0)
                {
                    WriteLine(body, $"{{\"type\":\"lost\",\"count\":{kernel},\"source\":\"kernel\",\"reason\":\"the gadget's ring buffer was full\"}}");
                }
                if (client > 0)
                {
                    context.RequestServices.GetRequiredService<AgentMetrics>().EventsDropped(name, client);
                    WriteLine(body, $"{{\"type\":\"lost\",\"count\":{client},\"source\":\"client\",\"reason\":\"this client read too slowly: its queue of {options.ClientQueue} events was full\"}}");
                }
                await body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException e) when (reader.Completion.IsFaulted)
        {
            WriteLine(body, $"{{\"type\":\"error\",\"reason\":{System.Text.Json.JsonSerializer.Serialize(e.Message)}}}");
            await body.FlushAsync(CancellationToken.None);
        }
        catch (ChannelClosedException)
        {
        }
    }

    private static void WriteLine(System.IO.Pipelines.PipeWriter body, string json)
    {
        body.Write(System.Text.Encoding.UTF8.GetBytes(json + "\n"));
    }
}
