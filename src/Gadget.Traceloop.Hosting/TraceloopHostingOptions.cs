using Gadget.Containers;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Hosting;

/// <summary>
/// What the <see cref="TraceloopBackgroundService"/> records and how it reports crashes; bound from the <c>Gadget:Traceloop</c>
/// configuration section (e.g. <c>Gadget:Traceloop:Selector:Name</c>, <c>Gadget:Traceloop:Tracer:PagesPerCpu</c>) and validated when
/// the host starts. The containers come from the host's shared <see cref="ContainerCollection"/> (<c>Gadget:Containers</c>).
/// </summary>
public sealed class TraceloopHostingOptions
{
    /// <summary>The recorder's ring sizes, capacity and capture specs. Its <see cref="TraceloopOptions.Logger"/>, when null, gets the host's logger.</summary>
    public TraceloopOptions Tracer { get; set; } = new();

    /// <summary>Follow the machine's containers (the host's shared <see cref="ContainerCollection"/>) and record those <see cref="Selector"/> matches. Default: true.</summary>
    public bool FollowContainers { get; set; } = true;

    /// <summary>Which containers to record. Default: <see cref="ContainerSelector.All"/>.</summary>
    public ContainerSelector Selector { get; set; } = ContainerSelector.All;

    /// <summary>How many ended containers keep their history (the oldest is released first). Default: 16.</summary>
    public int RetainedExitedContainers { get; set; } = 16;

    /// <summary>Log every recorded container that ends (information: how it ended and how many syscalls it made), not only the crashes (error, with the history). Default: true.</summary>
    public bool LogEveryExit { get; set; } = true;

    /// <summary>The last this many syscalls of a crashed container or failed command are logged (the event gets them all). Default: 100.</summary>
    public int LoggedSyscalls { get; set; } = 100;

    /// <summary>How syscalls are printed in the log. Default: <see cref="SyscallFormatterOptions.Default"/> with timestamps and thread ids.</summary>
    public SyscallFormatterOptions Formatter { get; set; } = new() { IncludeThreadId = true, IncludeTimestamp = true };

    /// <summary>
    /// The soft open-file limit (<c>RLIMIT_NOFILE</c>) of the commands <see cref="TraceloopBackgroundService.RunCommandAsync"/>
    /// runs (<see cref="TracedCommandOptions.OpenFileSoftLimit"/>), at most this process's hard limit; <see cref="ulong.MaxValue"/>
    /// for unlimited. <c>null</c> (the default): the soft limit this host was started with when it can be told
    /// (<see cref="TracedCommand.StartingOpenFileSoftLimit"/>: started from a shell, say), else this host's own, which the .NET
    /// runtime (CoreCLR, not NativeAOT) raised to its hard one as the host started. A service manager's own limits are not
    /// the ones it gave the host (systemd gives its services 1024:524288 by default; not tried here): such a host's commands
    /// get its hard limit as soft limit unless this says otherwise. Bound from <c>Gadget:Traceloop:CommandOpenFileSoftLimit</c>.
    /// </summary>
    public ulong? CommandOpenFileSoftLimit { get; set; }

    /// <summary>Called with every history the service dumps (crashed container or failed command), after it was logged.</summary>
    public Action<TraceloopHistoryEventArgs>? OnHistory { get; set; }
}
