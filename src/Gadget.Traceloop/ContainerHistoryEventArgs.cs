using Gadget.Containers;

namespace Gadget.Traceloop;

/// <summary>The recorded history of a container that ended badly.</summary>
/// <param name="container">The container (its <see cref="Container.ExitStatus"/> says how it ended).</param>
/// <param name="history">Its syscalls, oldest first; the last ones led to the crash.</param>
public sealed class ContainerHistoryEventArgs(Container container, IReadOnlyList<SyscallRecord> history) : EventArgs
{
    /// <summary>The container.</summary>
    public Container Container { get; } = container;

    /// <summary>Its syscalls, oldest first, as <see cref="TraceloopTracer.Dump"/> returns them.</summary>
    public IReadOnlyList<SyscallRecord> History { get; } = history;
}
