using System.Buffers;
using System.Text.Json;
using Gadget.Containers;
using Gadget.Gadgets;
using Gadget.Traceloop.Decoding;
using Microsoft.AspNetCore.Http.Json;

namespace Gadget.Agent;

/// <summary>Builds the agent: endpoints over one <see cref="TraceSessions"/>.</summary>
public static class AgentApp
{
    /// <summary>The default Unix socket.</summary>
    public const string DefaultSocket = "/run/gadget/agent.sock";

    /// <summary>Builds the web application from the command line (<c>--socket PATH|none</c>, <c>--urls http://127.0.0.1:PORT</c>,
    /// <c>--kubernetes auto|off</c>, <c>--kubeconfig PATH</c>, <c>--node NAME</c>: see <see cref="PodLabels"/>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var socket = builder.Configuration["socket"] ?? (builder.Configuration["urls"] is null ? DefaultSocket : null);
        if (socket is not null && socket != "none")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(socket))!);
            File.Delete(socket);
            var urls = builder.Configuration["urls"];
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.ListenUnixSocket(socket);
                foreach (var url in (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    var uri = new Uri(url);
                    kestrel.Listen(System.Net.IPAddress.Parse(uri.Host), uri.Port);
                }
            });
        }
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<TraceSessions>();
        builder.Services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        var app = builder.Build();
        Map(app);
        return app;
    }

    private static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new ContainerJsonConverter());
        options.Converters.Add(new IPAddressJsonConverter());
        options.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
    }

    private static void Map(WebApplication app)
    {
        app.MapPost("/traces", (SelectorRequest request, TraceSessions sessions) =>
        {
            var id = sessions.Start(request.ToSelector());
            return Results.Created($"/traces/{id}", new { id });
        });
        app.MapGet("/traces", (TraceSessions sessions) => Results.Ok(sessions.List()));
        app.MapDelete("/traces/{id}", (string id, TraceSessions sessions) => sessions.Stop(id) ? Results.NoContent() : Results.NotFound());
        app.MapGet("/containers", (TraceSessions sessions) => Results.Ok(sessions.Containers.Containers));
        app.MapGet("/containers/{idOrName}/history", async (string idOrName, string? output, TraceSessions sessions, HttpContext context) =>
        {
            if (sessions.Dump(idOrName) is not { } dump)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync($"no trace records a container '{idOrName}'\n", context.RequestAborted);
                return;
            }
            var multiThread = dump.History.Select(r => r.ThreadId).Distinct().Skip(1).Any();
            var formatter = new SyscallFormatter(new SyscallFormatterOptions { IncludeThreadId = multiThread });
            if (output == "json")
            {
                context.Response.ContentType = "application/x-ndjson";
                var json = new SyscallJsonFormatter(formatter);
                foreach (var record in dump.History)
                {
                    json.WriteLine(record, context.Response.BodyWriter);
                }
            }
            else
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                var text = new System.Text.StringBuilder();
                foreach (var record in dump.History)
                {
                    formatter.Format(record, text);
                    text.Append('\n');
                }
                await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
            }
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        });
        app.MapGet("/gadgets/{name}", async (string name, TraceSessions sessions, HttpContext context, ILoggerFactory loggers) =>
        {
            var options = new GadgetOptions
            {
                Containers = sessions.Containers,
                // No selector flags: every process of the node, host processes too.
                Selector = context.Request.Query.Count == 0 ? null : SelectorRequest.FromQuery(context.Request.Query).ToSelector(),
                Logger = loggers.CreateLogger("Gadget.Agent.Gadgets." + name),
            };
            var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<JsonOptions>>().Value.SerializerOptions;
            switch (name)
            {
                case "execsnoop":
                    await using (var gadget = ExecSnoop.Start(options)) { await StreamAsync(context, gadget.ReadAsync(context.RequestAborted), json); }
                    break;
                case "opensnoop":
                    await using (var gadget = OpenSnoop.Start(options)) { await StreamAsync(context, gadget.ReadAsync(context.RequestAborted), json); }
                    break;
                case "tcpconnect":
                    await using (var gadget = TcpConnect.Start(options)) { await StreamAsync(context, gadget.ReadAsync(context.RequestAborted), json); }
                    break;
                case "tcpaccept":
                    await using (var gadget = TcpAccept.Start(options)) { await StreamAsync(context, gadget.ReadAsync(context.RequestAborted), json); }
                    break;
                case "sigsnoop":
                    await using (var gadget = SigSnoop.Start(options)) { await StreamAsync(context, gadget.ReadAsync(context.RequestAborted), json); }
                    break;
                case "oomkill":
                    await using (var gadget = OomKill.Start(options)) { await StreamAsync(context, gadget.ReadAsync(context.RequestAborted), json); }
                    break;
                default:
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    await context.Response.WriteAsync($"unknown gadget '{name}' (execsnoop, opensnoop, tcpconnect, tcpaccept, sigsnoop, oomkill)\n");
                    break;
            }
        });
    }

    private static async Task StreamAsync<T>(HttpContext context, IAsyncEnumerable<T> events, JsonSerializerOptions options)
    {
        context.Response.ContentType = "application/x-ndjson";
        // The headers go out at once, so the client knows the gadget is attached before any event.
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        try
        {
            await foreach (var e in events.WithCancellation(context.RequestAborted))
            {
                var writer = new Utf8JsonWriter(context.Response.BodyWriter);
                JsonSerializer.Serialize(writer, e, options);
                await writer.FlushAsync(context.RequestAborted);
                context.Response.BodyWriter.Write("\n"u8);
                await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }
}
