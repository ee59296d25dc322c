namespace Gadget.Containers.Kubernetes;

/// <summary>A watch of the Kubernetes API failed: the server sent an error status or an event that could not be read.</summary>
public sealed class KubernetesWatchException : Exception
{
    /// <summary>A watch failure with a message and its cause.</summary>
    public KubernetesWatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
