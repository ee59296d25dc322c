namespace Gadget.Containers;

/// <summary>A container that was added to, updated in or removed from a <see cref="ContainerCollection"/>.</summary>
public sealed class ContainerEventArgs(ContainerEventKind kind, Container container) : EventArgs
{
    /// <summary>Added, updated or removed.</summary>
    public ContainerEventKind Kind { get; } = kind;

    /// <summary>The container; for <see cref="ContainerEventKind.Removed"/>, <see cref="Container.ExitStatus"/> tells how it ended when known.</summary>
    public Container Container { get; } = container;
}
