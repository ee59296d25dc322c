namespace Gadget.Containers;

/// <summary>How a container's init process ended, as the kernel reported it.</summary>
/// <param name="RawStatus">The kernel's exit status word: <c>(code &lt;&lt; 8) | signal</c> (what <c>waitpid</c> returns).</param>
public readonly record struct ContainerExitStatus(int RawStatus)
{
    /// <summary>The exit code when the process exited normally; otherwise null.</summary>
    public int? ExitCode => Signal is null ? (RawStatus >> 8) & 0xff : null;

    /// <summary>The signal that killed the process; null when it exited normally.</summary>
    public int? Signal => (RawStatus & 0x7f) != 0 ? RawStatus & 0x7f : null;

    /// <summary>Whether the process dumped core.</summary>
    public bool CoreDumped => (RawStatus & 0x80) != 0;

    /// <inheritdoc />
    public override string ToString() => Signal is { } signal ? $"killed by signal {signal}{(CoreDumped ? " (core dumped)" : string.Empty)}" : $"exited with code {ExitCode}";
}
