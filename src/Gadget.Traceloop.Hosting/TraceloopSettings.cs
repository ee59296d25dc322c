using Gadget.Hosting;

namespace Gadget.Traceloop.Hosting;

/// <summary>
/// The configuration form of <see cref="TraceloopHostingOptions"/> (<c>Gadget:Traceloop</c>): what a configuration file can say
/// (numbers, switches, a selector), applied over the options; what it cannot (loggers, callbacks, capture specs) stays code.
/// </summary>
internal sealed class TraceloopSettings
{
    public bool? FollowContainers { get; set; }

    public ContainerSelectorSettings? Selector { get; set; }

    public int? RetainedExitedContainers { get; set; }

    public int? LoggedSyscalls { get; set; }

    public bool? LogEveryExit { get; set; }

    public ulong? CommandOpenFileSoftLimit { get; set; }

    public TracerSettings Tracer { get; set; } = new();

    public void ApplyTo(TraceloopHostingOptions options)
    {
        options.FollowContainers = FollowContainers ?? options.FollowContainers;
        options.Selector = Selector?.ToSelector() ?? options.Selector;
        options.RetainedExitedContainers = RetainedExitedContainers ?? options.RetainedExitedContainers;
        options.LoggedSyscalls = LoggedSyscalls ?? options.LoggedSyscalls;
        options.LogEveryExit = LogEveryExit ?? options.LogEveryExit;
        options.CommandOpenFileSoftLimit = CommandOpenFileSoftLimit ?? options.CommandOpenFileSoftLimit;
        options.Tracer.PagesPerCpu = Tracer.PagesPerCpu ?? options.Tracer.PagesPerCpu;
        options.Tracer.MaxContainers = Tracer.MaxContainers ?? options.Tracer.MaxContainers;
        options.Tracer.SpareRings = Tracer.SpareRings ?? options.Tracer.SpareRings;
        options.Tracer.UnkeptRingTimeout = Tracer.UnkeptRingTimeout ?? options.Tracer.UnkeptRingTimeout;
        options.Tracer.BufferCaptureBytes = Tracer.BufferCaptureBytes ?? options.Tracer.BufferCaptureBytes;
        options.Tracer.ExitTimestamps = Tracer.ExitTimestamps ?? options.Tracer.ExitTimestamps;
    }

    internal sealed class TracerSettings
    {
        public int? PagesPerCpu { get; set; }

        public int? MaxContainers { get; set; }

        public int? SpareRings { get; set; }

        public TimeSpan? UnkeptRingTimeout { get; set; }

        public int? BufferCaptureBytes { get; set; }

        public bool? ExitTimestamps { get; set; }
    }
}
