using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gadget.Agent;

/// <summary>Builds the agent: its listeners (Unix socket, TLS on TCP), the access and limit checks, the endpoints.</summary>
public static class AgentApp
{
    /// <summary>The default Unix socket.</summary>
    public const string DefaultSocket = AgentOptions.DefaultSocket;

    /// <summary>
    /// The largest request body read (bytes): the API's only body is a trace's selector (a few names and labels), and a
    /// body is read whole and kept in the trace it starts, so a caller's large bodies were the agent's memory (8 POSTs of
    /// 25 MB took it to 1.8 GB). Larger ones get 413.
    /// </summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    /// <summary>Builds the web application from the command line (see <see cref="AgentCommandLine"/>).</summary>
    /// <exception cref="AgentUsageException">The command line is wrong.</exception>
    /// <exception cref="AgentStartException">Another agent answers on the socket, or a TLS or token file cannot be read.</exception>
    public static WebApplication Build(string[] args) => Build(AgentCommandLine.Parse(args));

    /// <summary>Builds the web application.</summary>
    /// <exception cref="AgentUsageException">The socket group does not exist.</exception>
    /// <exception cref="AgentStartException">Another agent answers on the socket, or a TLS or token file cannot be read.</exception>
    public static WebApplication Build(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var policy = AccessPolicy.From(options);
        var credentials = AgentCredentials.Load(options);
        var socket = options.Socket is { } path ? AgentSocket.Claim(path, policy) : null;
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["kubernetes"] = options.Kubernetes,
                ["kubeconfig"] = options.Kubeconfig,
                ["node"] = options.Node,
            });
            var limits = new CallerLimits(options);
            var metrics = new MetricsEndpoint();
            metrics.AddServices(builder.Services, options);
            builder.Services.AddSingleton(options).AddSingleton(policy).AddSingleton(credentials).AddSingleton(limits);
            if (socket is not null)
            {
                builder.Services.AddSingleton(_ => socket); // made by a factory, so disposed with the app: removes the socket file, releases the lock
                builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = socket.CreateBoundListenSocket);
            }
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
                kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
                var gate = new ConnectionGate(policy, limits, kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gadget.Agent.Access"), kestrel.ApplicationServices.GetRequiredService<AgentMetrics>());
                if (socket is not null)
                {
                    kestrel.ListenUnixSocket(socket.Path, listen => listen.Use(next => connection => gate.OnConnectionAsync(connection, next)));
                }
                foreach (var url in options.Urls)
                {
                    kestrel.Listen(IPAddress.Parse(url.Host.Trim('[', ']')), url.Port, listen =>
                    {
                        listen.UseHttps(new HttpsConnectionAdapterOptions
                        {
                            ServerCertificate = credentials.Certificate,
                            ClientCertificateMode = credentials.ClientCa is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
                            ClientCertificateValidation = credentials.ClientCa is null ? null : (certificate, _, _) => credentials.IsTrustedClient(certificate),
                        });
                        listen.Use(next => connection => gate.OnConnectionAsync(connection, next));
                    });
                }
                metrics.Listen(kestrel, options);
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // Callers' names (selectors, ids, JSON property names) end up in log messages: their control characters escaped.
            builder.Logging.AddConsole(o => o.FormatterName = AgentLogFormatter.FormatterName).AddConsoleFormatter<AgentLogFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
            builder.Services.AddSingleton<TraceSessions>();
            builder.Services.AddSingleton<GadgetStreams>();
            builder.Services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
            builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
            if (options.RequestsPerSecond > 0)
            {
                builder.Services.AddRateLimiter(o => ConfigureRate(o, options.RequestsPerSecond));
            }
            var app = builder.Build();
            if (socket is not null)
            {
                app.Services.GetRequiredService<AgentSocket>(); // the container owns it from now on
            }
            metrics.Use(app, options);
            app.UseMiddleware<ErrorResponses>();
            app.UseMiddleware<TokenAuthentication>();
            if (options.RequestsPerSecond > 0)
            {
                app.UseRateLimiter();
            }
            AgentEndpoints.Map(app);
            return app;
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    private static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new ContainerJsonConverter());
        options.Converters.Add(new IPAddressJsonConverter());
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        options.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
    }

    private static void ConfigureRate(RateLimiterOptions options, int perSecond)
    {
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetTokenBucketLimiter(context.Features.Get<Caller>()?.Key ?? "unknown", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = 2 * perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (rejected, cancellationToken) =>
        {
            var context = rejected.HttpContext;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsync($"too many requests from {context.Features.Get<Caller>()?.Key}: at most {perSecond} per second, bursts of {2 * perSecond} (--rate)\n", cancellationToken);
        };
    }
}
