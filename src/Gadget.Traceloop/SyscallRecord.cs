namespace Gadget.Traceloop;

/// <summary>One syscall as traceloop recorded it: entry, arguments, captured memory, and its return (if it returned).</summary>
public sealed class SyscallRecord
{
    /// <summary>When the syscall was entered, in nanoseconds since boot (<c>CLOCK_BOOTTIME</c>).</summary>
    public required ulong TimestampNs { get; init; }

    /// <summary>
    /// When it returned, in nanoseconds since boot; <c>null</c> when it never returned (<see cref="ReturnValue"/> is then
    /// <c>null</c> too), or when it returned but its thread held the CPU from entry to exit and the kernel read no clock
    /// at the exit (the default: <see cref="TraceloopOptions.ExitTimestamps"/>). The call then lasted no longer than its
    /// thread's time on the CPU: typically microseconds.
    /// </summary>
    public ulong? ExitTimestampNs { get; init; }

    /// <summary>The CPU it was entered on.</summary>
    public required int Cpu { get; init; }

    /// <summary>The process (thread group) id, as seen from the host.</summary>
    public required int ProcessId { get; init; }

    /// <summary>The thread id, as seen from the host.</summary>
    public required int ThreadId { get; init; }

    /// <summary>The thread's command name (<c>comm</c>, at most 15 characters).</summary>
    public required string Command { get; init; }

    /// <summary>The syscall number of the traced architecture (of its 32-bit ABI when <see cref="Is32Bit"/>).</summary>
    public required int Number { get; init; }

    /// <summary>
    /// The syscall was made through the 32-bit ABI (ia32 on x86-64, AArch32 on arm64): <see cref="Number"/> is in that
    /// ABI's own numbering, which traceloop does not decode, and nothing behind its arguments was captured.
    /// </summary>
    public bool Is32Bit { get; init; }

    /// <summary>The six raw argument registers.</summary>
    public required ulong[] Arguments { get; init; }

    /// <summary>The raw return value (negative errno on failure); <c>null</c> when the syscall never returned (it hung, or the thread died in it).</summary>
    public long? ReturnValue { get; init; }

    /// <summary>Memory behind pointer arguments that was captured (paths, buffers, socket addresses).</summary>
    public IReadOnlyList<CapturedArgument> Captured { get; init; } = [];

    /// <summary>Whether the syscall returned.</summary>
    public bool Returned => ReturnValue.HasValue;
}
