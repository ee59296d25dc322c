using System.Security.Authentication;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace Gadget.Client;

/// <summary>
/// The agents of a cluster, reached through the Kubernetes API server with the user's kubeconfig (never directly at a
/// node's or a pod's address): <see cref="ListAgentsAsync"/> finds the running pods of the agent DaemonSet by label,
/// <see cref="CreateHttpClient"/> gives an <see cref="HttpClient"/> per pod whose requests go through the API server's pod
/// proxy (<c>/api/v1/namespaces/NS/pods/https:POD:PORT/proxy/PATH</c>) to that pod's TLS listener, so the agent's own
/// paths (<c>containers</c>, <c>traces</c>, <c>gadgets/NAME</c>, ...) are used as with <see cref="GadgetCli.CreateHttpClient(string, AgentConnection)"/>.
/// The user needs RBAC <c>list</c> on <c>pods</c> and <c>get</c>/<c>create</c>/<c>delete</c> on <c>pods/proxy</c> in the
/// agents' namespace (deploy/README.md).
/// </summary>
public sealed class ClusterConnection : IDisposable
{
    /// <summary>The header that carries the agents' token (the API server strips <c>Authorization</c> before it proxies).</summary>
    public const string AgentTokenHeader = "X-Gadget-Agent-Token";

    private readonly Kubernetes _api;
    private readonly ApiServerTap _pipeline;
    private readonly ClusterOptions _options;

    private ClusterConnection(Kubernetes api, ApiServerTap pipeline, ClusterOptions options, Uri server)
    {
        _api = api;
        _pipeline = pipeline;
        _options = options;
        Server = server;
    }

    /// <summary>The API server (the kubeconfig cluster's <c>server</c>).</summary>
    public Uri Server { get; }

    /// <summary>Reads the kubeconfig and prepares the API server's client (nothing is sent yet).</summary>
    /// <exception cref="ClusterException">The kubeconfig is missing or malformed, or its context is unknown or incomplete (<see cref="ClusterException.IsUsage"/>).</exception>
    public static ClusterConnection Open(ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = KubeconfigLoader.Load(KubeconfigLoader.Paths(options.Kubeconfig), options.Context);
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan; // streams last until the user stops them
        if (!Uri.TryCreate(configuration.Host, UriKind.Absolute, out var server))
        {
            throw new ClusterException($"kubeconfig: the cluster's server '{configuration.Host}' is not a URL") { IsUsage = true };
        }
        try
        {
            var pipeline = new ApiServerTap();
            return new ClusterConnection(new Kubernetes(configuration, pipeline), pipeline, options, server);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or k8s.Exceptions.KubeConfigException)
        {
            throw new ClusterException($"kubeconfig: the credentials for {server} cannot be used: {e.Message.ReplaceLineEndings(" ")}", e) { IsUsage = true };
        }
    }

    /// <summary>The running agent pods (of <see cref="ClusterOptions.Nodes"/> when given), ordered by node.</summary>
    /// <exception cref="ClusterException">The API server cannot be reached (TLS, network), refuses the user, or has no running agent pod (on the nodes asked for).</exception>
    public async Task<IReadOnlyList<AgentPod>> ListAgentsAsync(CancellationToken cancellationToken = default)
    {
        k8s.Models.V1PodList list;
        try
        {
            list = await _api.CoreV1.ListNamespacedPodAsync(_options.Namespace, labelSelector: _options.LabelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            throw new ClusterException($"the API server {Server} answered {(int)e.Response.StatusCode} {e.Response.ReasonPhrase} to listing the pods of namespace '{_options.Namespace}' with label {_options.LabelSelector}: {StatusMessage(e.Response.Content)}", e);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
        catch (JsonException e)
        {
            throw new ClusterException($"the API server {Server} did not answer the pods list of namespace '{_options.Namespace}' with a PodList: {e.Message.ReplaceLineEndings(" ")} (is {Server} a Kubernetes API server?)", e);
        }
        var running = (list.Items ?? [])
            .Where(p => p.Status?.Phase == "Running" && !string.IsNullOrEmpty(p.Spec?.NodeName) && p.Metadata?.DeletionTimestamp is null)
            .Select(p => new AgentPod(p.Metadata.NamespaceProperty ?? _options.Namespace, p.Metadata.Name, p.Spec.NodeName))
            .OrderBy(p => p.Node, StringComparer.Ordinal)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        if (running.Count == 0)
        {
            var others = list.Items?.Count ?? 0;
            throw new ClusterException($"no running agent pod with label {_options.LabelSelector} in namespace '{_options.Namespace}' (API server {Server}; {(others == 0 ? "no pod matches" : $"{others} matching pod(s), none running")}): is the DaemonSet deployed there (deploy/daemonset.yaml)?");
        }
        if (_options.Nodes.Count == 0)
        {
            return running;
        }
        if (_options.Nodes.FirstOrDefault(n => running.All(p => p.Node != n)) is { } missing)
        {
            throw new ClusterException($"no running agent pod on node '{missing}' (label {_options.LabelSelector}, namespace '{_options.Namespace}'; nodes with one: {string.Join(", ", running.Select(p => p.Node).Distinct())})");
        }
        return [.. running.Where(p => _options.Nodes.Contains(p.Node))];
    }

    /// <summary>An HTTP client whose relative requests reach <paramref name="pod"/>'s agent through the API server's pod proxy.</summary>
    public HttpClient CreateHttpClient(AgentPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var proxy = $"{Server.AbsoluteUri.TrimEnd('/')}/api/v1/namespaces/{Uri.EscapeDataString(pod.Namespace)}/pods/https:{Uri.EscapeDataString(pod.Name)}:{_options.Port}/proxy/";
        return new HttpClient(new ApiServerHandler(_api, _pipeline, _options.AgentToken)) { BaseAddress = new Uri(proxy), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>One line for a request that did not get an answer from the API server: TLS (naming the server) or the network.</summary>
    internal ClusterException Unreachable(HttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return new ClusterException($"TLS with the API server {Server} failed: {Deepest(exception)} (check the kubeconfig's certificate-authority for this server)", exception);
            }
        }
        return new ClusterException($"cannot reach the API server {Server}: {Deepest(exception)}", exception);
    }

    /// <summary>A Kubernetes Status body's message, or the text itself.</summary>
    internal static string StatusMessage(string? body)
    {
        var text = (body ?? "").Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var status = JsonDocument.Parse(text);
                if (status.RootElement.TryGetProperty("kind", out var kind) && kind.GetString() == "Status" && status.RootElement.TryGetProperty("message", out var message))
                {
                    return message.GetString() ?? text;
                }
            }
            catch (JsonException)
            {
            }
        }
        return text.Length == 0 ? "(no reason given)" : text.ReplaceLineEndings(" ");
    }

    /// <inheritdoc/>
    public void Dispose() => _api.Dispose();

    private static string Deepest(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            var message = current.Message.ReplaceLineEndings(" ").Trim();
            // .NET's wrappers that only point at their inner exception add nothing to the line.
            if (!message.Contains("see inner exception", StringComparison.OrdinalIgnoreCase))
            {
                messages.Add(message.TrimEnd('.'));
            }
        }
        return string.Join(": ", messages.Distinct());
    }
}
