namespace Gadget.Containers;

/// <summary>What a runtime's state directory (or an OCI hook's state JSON) says about a container.</summary>
internal sealed record RuntimeState(
    ContainerRuntime Runtime,
    string Id,
    int Pid,
    string? Bundle,
    IReadOnlyDictionary<string, string> CgroupPaths,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string>? Annotations = null);
