namespace Gadget.Gadgets;

/// <summary>What a <c>wait(2)</c> status says (<c>WEXITSTATUS</c>, <c>WTERMSIG</c>, <c>WCOREDUMP</c>): shared by <see cref="ExitEvent"/> and <see cref="ExitEventView"/>.</summary>
internal static class WaitStatus
{
    /// <summary>The exit code (0-255) when the process exited by itself; null when a signal killed it.</summary>
    public static int? ExitCode(int status) => Signal(status) is null ? (status >> 8) & 0xff : null;

    /// <summary>The signal that killed the process, or null when it exited by itself.</summary>
    public static int? Signal(int status) => (status & 0x7f) is var signal and not 0 ? signal : null;

    /// <summary>The killing signal's name (SIGKILL, SIGSEGV...), or null when the process exited by itself.</summary>
    public static string? SignalName(int status) => Signal(status) is { } signal ? LinuxSignals.LibcName(signal) : null;

    /// <summary>Whether a core dump was written.</summary>
    public static bool CoreDumped(int status) => Signal(status) is not null && (status & 0x80) != 0;
}
