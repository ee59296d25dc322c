namespace Gadget.Client;

/// <summary>
/// The cluster cannot be used: a kubeconfig that is missing, malformed or names an unknown context (<see cref="IsUsage"/>),
/// an API server that cannot be reached or refuses the user (TLS, 401, 403), or no agent pod. The message is one line
/// naming the file, context, server, namespace or label selector concerned.
/// </summary>
public sealed class ClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterException()
    {
    }

    /// <summary>Creates the exception with its one-line message.</summary>
    public ClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and cause.</summary>
    public ClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether what the user gave is wrong (the kubeconfig or its context), rather than the cluster's answer.</summary>
    public bool IsUsage { get; init; }
}
