namespace Gadget.Containers.Kubernetes;

/// <summary>The API server answered a watch with 410 Gone: its resource version is too old, the pods must be listed again.</summary>
internal sealed class WatchExpiredException(string message, Exception inner) : Exception(message, inner);
