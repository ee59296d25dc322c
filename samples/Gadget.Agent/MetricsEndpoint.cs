using System.Net;
using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Gadgets;
using Gadget.Traceloop;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Gadget.Agent;

/// <summary>
/// <c>--metrics-listen IP:PORT</c>: the OpenTelemetry SDK reads the libraries' meters, the agent's own and ASP.NET Core's
/// request and connection metrics, and serves them in Prometheus' text format at <c>GET /metrics</c> on a plain HTTP listener
/// of their own. That listener answers nothing else (404), and the API's listeners (the Unix socket, <c>--urls</c>) do not
/// answer <c>/metrics</c>: the socket's access policy and the TCP API's TLS and token stay as they are.
/// </summary>
internal sealed class MetricsEndpoint
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>The meters exported.</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        BpfMetrics.MeterName, ContainerMetrics.MeterName, GadgetMetrics.MeterName, TraceloopMetrics.MeterName, AgentMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
    ];

    private ListenOptions? _listen;

    /// <summary>Where the metrics are served once the agent has started (the port chosen for port 0); null without <c>--metrics-listen</c>.</summary>
    public IPEndPoint? EndPoint => _listen?.IPEndPoint;

    /// <summary>Registers the agent's meter, and with <c>--metrics-listen</c> the SDK and its Prometheus exporter.</summary>
    public void AddServices(IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(this).AddSingleton<AgentMetrics>();
        if (options.MetricsListen is null)
        {
            return;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("gadget-agent", serviceInstanceId: options.Node ?? Environment.GetEnvironmentVariable("NODE_NAME") ?? Environment.MachineName))
            .WithMetrics(metrics => metrics
                .AddMeter([.. Meters])
                // A histogram series per listener and protocol that says little here; kestrel.active_connections stays.
                .AddView("kestrel.connection.duration", MetricStreamConfiguration.Drop)
                // Each scrape sees the values of that moment (the exporter caches a response for 300 ms by default).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
    }

    /// <summary>Adds the metrics listener to Kestrel, its connections marked with <see cref="MetricsConnection"/>.</summary>
    public void Listen(KestrelServerOptions kestrel, AgentOptions options)
    {
        if (options.MetricsListen is not { } address)
        {
            return;
        }
        kestrel.Listen(address, listen =>
        {
            _listen = listen;
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set(MetricsConnection.Instance);
                return next(connection);
            });
        });
    }

    /// <summary>The first middleware: the metrics listener's requests get <c>GET /metrics</c> or 404 and never reach the API;
    /// API requests get their caller as a tag of ASP.NET Core's <c>http.server.request.duration</c>.</summary>
    public void Use(WebApplication app, AgentOptions options)
    {
        if (options.MetricsListen is null)
        {
            return;
        }
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gadget.Agent.Metrics");
        app.Lifetime.ApplicationStarted.Register(() => logger.LogInformation("Metrics for Prometheus on http://{EndPoint}{Path}", EndPoint, Path));
        app.Use(static (context, next) =>
        {
            var tags = context.Features.Get<IHttpMetricsTagsFeature>();
            if (context.Features.Get<MetricsConnection>() is not null)
            {
                if (tags is not null)
                {
                    tags.MetricsDisabled = true; // scrapes are not API requests
                }
                return next(context);
            }
            tags?.Tags.Add(new KeyValuePair<string, object?>("caller", AgentMetrics.CallerTag(context.Features.Get<Caller>())));
            return next(context);
        });
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Features.Get<MetricsConnection>() is not null && HttpMethods.IsGet(context.Request.Method) && context.Request.Path == Path);
        app.Use(static (context, next) =>
        {
            if (context.Features.Get<MetricsConnection>() is null)
            {
                return next(context);
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync($"this listener (--metrics-listen) serves GET {Path} only\n");
        });
    }
}
