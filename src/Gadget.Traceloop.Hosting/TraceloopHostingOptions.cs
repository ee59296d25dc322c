using Gadget.Containers;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Hosting;

/// <summary>What the <see cref="TraceloopBackgroundService"/> records and how it reports crashes.</summary>
public sealed class TraceloopHostingOptions
{
    /// <summary>The recorder's ring sizes, capacity and capture specs. Its <see cref="TraceloopOptions.Logger"/>, when null, gets the host's logger.</summary>
    public TraceloopOptions Tracer { get; set; } = new();

    /// <summary>Follow the machine's containers (a <see cref="ContainerCollection"/>) and record those <see cref="Selector"/> matches. Default: true.</summary>
    public bool FollowContainers { get; set; } = true;

    /// <summary>How the containers are found; its <see cref="ContainerCollectionOptions.Logger"/>, when null, gets the host's logger.</summary>
    public ContainerCollectionOptions Containers { get; set; } = new();

    /// <summary>Which containers to record. Default: <see cref="ContainerSelector.All"/>.</summary>
    public ContainerSelector Selector { get; set; } = ContainerSelector.All;

    /// <summary>How many ended containers keep their history (the oldest is released first). Default: 16.</summary>
    public int RetainedExitedContainers { get; set; } = 16;

    /// <summary>The last this many syscalls of a crashed container or failed command are logged (the event gets them all). Default: 100.</summary>
    public int LoggedSyscalls { get; set; } = 100;

    /// <summary>How syscalls are printed in the log. Default: <see cref="SyscallFormatterOptions.Default"/> with timestamps and thread ids.</summary>
    public SyscallFormatterOptions Formatter { get; set; } = new() { IncludeThreadId = true, IncludeTimestamp = true };

    /// <summary>Called with every history the service dumps (crashed container or failed command), after it was logged.</summary>
    public Action<TraceloopHistoryEventArgs>? OnHistory { get; set; }
}
