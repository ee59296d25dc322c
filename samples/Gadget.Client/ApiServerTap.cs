namespace Gadget.Client;

/// <summary>A handler that only passes requests on: given to the KubernetesClient's pipeline, it is the way into its TLS handler (the cluster's CA, the client certificate) for the pod proxy's requests.</summary>
internal sealed class ApiServerTap : DelegatingHandler
{
}
