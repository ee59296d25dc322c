using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gadget.Agent.Tests;

/// <summary>
/// The part of a Kubernetes API server that <c>gadget --kubeconfig</c> uses, on a loopback HTTPS port (its own
/// self-signed certificate, the kubeconfig's certificate-authority-data): <c>GET /api/v1/namespaces/NS/pods?labelSelector=</c>
/// (a PodList of the pods set with <see cref="SetPod"/>) and the pod proxy
/// <c>/api/v1/namespaces/NS/pods/https:POD:PORT/proxy/PATH</c>, which forwards each pod's requests (any method, the body,
/// the query, streamed answers) to the real agent listening on 127.0.0.1 that stands for that pod. Like the real API
/// server it authenticates the user by the kubeconfig's bearer token (401 otherwise), strips <c>Authorization</c> before it
/// proxies, does not check the pod's certificate, and answers 503 with a Status when the pod does not answer.
/// </summary>
internal sealed partial class FakeClusterApiServer : IAsyncDisposable
{
    public const string UserToken = "gadget-cluster-user-token-0123456789";
    private readonly WebApplication _app;
    private readonly HttpClient _forward;
    private readonly ConcurrentDictionary<(string Namespace, string Name), FakePod> _pods = new();
    private readonly ConcurrentQueue<string> _proxied = new();

    private FakeClusterApiServer(WebApplication app, HttpClient forward, string directory)
    {
        _app = app;
        _forward = forward;
        Directory = directory;
    }

    /// <summary>The port the agents listen on in their pods (the pod proxy path's port must be this one).</summary>
    public const int PodPort = 8443;

    public string Directory { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>The server's certificate (PEM), the CA a kubeconfig trusts.</summary>
    public string CertificatePem { get; private set; } = "";

    /// <summary>Each proxied request as "POD METHOD PATH authorization=yes|no agent-token=yes|no", what reached the agent.</summary>
    public IReadOnlyCollection<string> Proxied => _proxied;

    public static async Task<FakeClusterApiServer> StartAsync(string directory)
    {
        var tls = new TlsFiles(Path.Combine(directory, "apiserver"));
        var certificate = X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var forward = new HttpClient(new SocketsHttpHandler
        {
            // As the API server's pod proxy: the pod's serving certificate is not verified.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = Timeout.InfiniteTimeSpan };
        var app = builder.Build();
        var server = new FakeClusterApiServer(app, forward, directory) { CertificatePem = File.ReadAllText(tls.Certificate) };
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>A pod of the agent DaemonSet on <paramref name="node"/>, whose agent answers on 127.0.0.1:<paramref name="agentPort"/>.</summary>
    public void SetPod(string @namespace, string name, string node, int agentPort, string phase = "Running", string labels = "app.kubernetes.io/name=gadget-agent") =>
        _pods[(@namespace, name)] = new FakePod(@namespace, name, node, agentPort, phase, labels.Split(',').Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1]));

    /// <summary>Writes a kubeconfig for this server; <paramref name="user"/> replaces the user's lines (token by default).</summary>
    public string WriteKubeconfig(string name, string? user = null, string? cluster = null, string currentContext = "fake")
    {
        var path = Path.Combine(Directory, name);
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(CertificatePem));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
            {cluster ?? $"    server: {Url.AbsoluteUri.TrimEnd('/')}\n    certificate-authority-data: {ca}"}
            users:
            - name: fake-user
              user:
            {user ?? $"    token: {UserToken}"}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake-user
            current-context: {currentContext}
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Authorization.ToString() != "Bearer " + UserToken)
        {
            await StatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }
        request.Headers.Remove("Authorization"); // the API server keeps the user's credentials to itself
        var path = request.Path.Value ?? "";
        if (PodsPath().Match(path) is { Success: true } list && request.Method == "GET")
        {
            await ListAsync(context, list.Groups[1].Value, request.Query["labelSelector"].ToString());
            return;
        }
        if (ProxyPath().Match(path) is { Success: true } proxy)
        {
            await ProxyAsync(context, proxy.Groups[1].Value, proxy.Groups[2].Value, proxy.Groups[3].Value, int.Parse(proxy.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture), proxy.Groups[5].Value);
            return;
        }
        await StatusAsync(context, 404, "NotFound", $"the fake API server does not serve {request.Method} {path}");
    }

    private async Task ListAsync(HttpContext context, string @namespace, string selector)
    {
        var terms = selector.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Split('=')).ToList();
        var items = new JsonArray();
        foreach (var pod in _pods.Values.Where(p => p.Namespace == @namespace && terms.All(t => p.Labels.TryGetValue(t[0], out var v) && v == t[1])).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var labels = new JsonObject();
            foreach (var (key, value) in pod.Labels)
            {
                labels[key] = value;
            }
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = pod.Name, ["namespace"] = pod.Namespace, ["uid"] = Guid.NewGuid().ToString(), ["labels"] = labels },
                ["spec"] = new JsonObject { ["nodeName"] = pod.Node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "agent", ["image"] = "gadget-agent" }) },
                ["status"] = new JsonObject { ["phase"] = pod.Phase },
            });
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject { ["resourceVersion"] = "1" }, ["items"] = items }.ToJsonString());
    }

    private async Task ProxyAsync(HttpContext context, string @namespace, string scheme, string name, int port, string rest)
    {
        if (!_pods.TryGetValue((@namespace, name), out var pod))
        {
            await StatusAsync(context, 404, "NotFound", $"pods \"{name}\" not found");
            return;
        }
        if (scheme != "https" || port != PodPort || pod.Phase != "Running")
        {
            await StatusAsync(context, 503, "ServiceUnavailable", $"error trying to reach service: dial tcp 10.244.0.1:{port}: connect: connection refused");
            return;
        }
        var request = context.Request;
        _proxied.Enqueue($"{name} {request.Method} /{rest} authorization={(request.Headers.ContainsKey("Authorization") ? "yes" : "no")} agent-token={(request.Headers.ContainsKey("X-Gadget-Agent-Token") ? "yes" : "no")}");
        using var forwarded = new HttpRequestMessage(new HttpMethod(request.Method), $"https://127.0.0.1:{pod.AgentPort}/{rest}{request.QueryString}");
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            forwarded.Content = new StreamContent(request.Body);
            if (request.ContentType is { } type)
            {
                forwarded.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }
        foreach (var (key, value) in request.Headers)
        {
            if (key.StartsWith("X-", StringComparison.OrdinalIgnoreCase) || key is "Accept" or "User-Agent")
            {
                forwarded.Headers.TryAddWithoutValidation(key, value.ToArray());
            }
        }
        HttpResponseMessage response;
        try
        {
            response = await _forward.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            await StatusAsync(context, 503, "ServiceUnavailable", $"error trying to reach service: dial tcp 127.0.0.1:{pod.AgentPort}: connect: connection refused");
            return;
        }
        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } contentType)
            {
                context.Response.ContentType = contentType.ToString();
            }
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            var buffer = new byte[16384];
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted); // streams pass through as they come
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
            {
                context.Abort(); // the agent or the client went away: so does the other side
            }
        }
    }

    private static async Task StatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        }.ToJsonString());
    }

    [GeneratedRegex("^/api/v1/namespaces/([^/]+)/pods$")]
    private static partial Regex PodsPath();

    [GeneratedRegex("^/api/v1/namespaces/([^/]+)/pods/(https?):([^/:]+):([0-9]+)/proxy/(.*)$")]
    private static partial Regex ProxyPath();
}
