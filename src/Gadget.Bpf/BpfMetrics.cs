using System.Diagnostics.Metrics;

namespace Gadget.Bpf;

/// <summary>
/// The metrics of Gadget.Bpf, on the <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>: a host
/// observes them with a <see cref="MeterListener"/>, OpenTelemetry (<c>AddMeter("Gadget.Bpf")</c>) or
/// <c>dotnet-counters monitor --counters Gadget.Bpf</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>gadget.bpf.perf.lost</c></term><description>records the kernel dropped because a <see cref="PerfBufferReader"/>'s ring was full, tagged <c>map</c> (counter; what <see cref="PerfBufferReader.LostRecords"/> adds up).</description></item>
/// </list>
/// Ring buffers have no such count in the kernel: count them in the BPF program (the gadgets do: Gadget.Gadgets' meter).
/// </remarks>
public static class BpfMetrics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = "Gadget.Bpf";

    private static readonly Meter Meter = new(MeterName, typeof(BpfMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> PerfLost = Meter.CreateCounter<long>("gadget.bpf.perf.lost", "{record}", "Records the kernel dropped because a perf buffer's ring was full.");

    internal static void PerfRecordsLost(string map, ulong count) =>
        PerfLost.Add((long)count, new KeyValuePair<string, object?>("map", map));
}
