using Gadget.Containers;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop;

/// <summary>
/// A process of a recorded cgroup ended: its wait status as the kernel gives it to the parent (written into the ring by
/// <c>sched_process_exit</c> when the process's last thread exits), so a crash is never mistaken for a clean exit.
/// </summary>
/// <param name="ProcessId">The process (thread group) id, as seen from the host.</param>
/// <param name="ThreadId">The thread that exited last.</param>
/// <param name="TimestampNs">When, in nanoseconds since boot (<c>CLOCK_BOOTTIME</c>).</param>
/// <param name="Status">Exit code, or the signal that killed it and whether it dumped core.</param>
public sealed record ProcessExit(int ProcessId, int ThreadId, ulong TimestampNs, ContainerExitStatus Status)
{
    /// <summary>The exit as strace prints it: <c>+++ exited with 139 +++</c>, <c>+++ killed by SIGSEGV (core dumped) +++</c>.</summary>
    public override string ToString() => Status.Signal is { } signal
        ? $"+++ killed by {SignalNames.GetName(signal) ?? signal.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(Status.CoreDumped ? " (core dumped)" : string.Empty)} +++"
        : $"+++ exited with {Status.ExitCode} +++";
}
