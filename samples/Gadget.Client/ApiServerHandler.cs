using k8s;

namespace Gadget.Client;

/// <summary>
/// Sends a request to the API server as KubernetesClient would: through its handler (the cluster's CA or
/// insecure-skip-tls-verify, the client certificate) with its credentials (a bearer token, refreshed by exec plugins),
/// plus the agents' token in <see cref="ClusterConnection.AgentTokenHeader"/> (the API server keeps that header, it
/// strips <c>Authorization</c>). One per agent's <see cref="HttpClient"/>; <paramref name="pipeline"/> (the
/// <see cref="ApiServerTap"/> given to the <see cref="Kubernetes"/> client) belongs to the connection.
/// </summary>
internal sealed class ApiServerHandler(Kubernetes api, HttpMessageHandler pipeline, string? agentToken) : HttpMessageHandler
{
    private readonly HttpMessageInvoker _invoker = new(pipeline, disposeHandler: false);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (api.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        if (agentToken is not null)
        {
            request.Headers.Remove(ClusterConnection.AgentTokenHeader);
            request.Headers.TryAddWithoutValidation(ClusterConnection.AgentTokenHeader, agentToken);
        }
        return await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _invoker.Dispose();
        }
        base.Dispose(disposing);
    }
}
