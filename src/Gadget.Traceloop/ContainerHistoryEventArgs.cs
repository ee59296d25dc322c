using Gadget.Containers;

namespace Gadget.Traceloop;

/// <summary>The recorded history of a container that ended (<see cref="ContainerRecorder.ContainerExited"/>), or ended badly (<see cref="ContainerRecorder.ContainerCrashed"/>).</summary>
/// <param name="container">The container.</param>
/// <param name="history">Its syscalls, oldest first, and what the history does not hold; the last ones led to the crash.</param>
/// <param name="exitStatus">How its init process ended, as the kernel reported it.</param>
public sealed class ContainerHistoryEventArgs(Container container, SyscallHistory history, ContainerExitStatus exitStatus) : EventArgs
{
    /// <summary>The container.</summary>
    public Container Container { get; } = container;

    /// <summary>Its syscalls, oldest first, as <see cref="ContainerRecorder.Dump"/> returns them.</summary>
    public SyscallHistory History { get; } = history;

    /// <summary>How its init process ended (exit code, or signal and core dump), as the kernel reported it.</summary>
    public ContainerExitStatus ExitStatus { get; } = exitStatus;

    /// <summary>Whether the container crashed: its init exited with a non-zero code or was killed by a signal.</summary>
    public bool IsCrash => ExitStatus.Signal is not null || ExitStatus.ExitCode is not 0;
}
