using System.Diagnostics.Metrics;

namespace Gadget.Containers;

/// <summary>
/// The metrics of the container collections, on the <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>:
/// a host observes them with a <see cref="MeterListener"/>, OpenTelemetry (<c>AddMeter("Gadget.Containers")</c>) or
/// <c>dotnet-counters monitor --counters Gadget.Containers</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>gadget.containers.added</c></term><description>containers a collection saw for the first time (counter).</description></item>
/// <item><term><c>gadget.containers.removed</c></term><description>containers that ended, tagged <c>exit</c>: <c>code</c>, <c>signal</c> or <c>unknown</c> (no status reported) (counter).</description></item>
/// </list>
/// </remarks>
public static class ContainerMetrics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = "Gadget.Containers";

    private static readonly Meter Meter = new(MeterName, typeof(ContainerMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> Added = Meter.CreateCounter<long>("gadget.containers.added", "{container}", "Containers a collection saw for the first time.");
    private static readonly Counter<long> Removed = Meter.CreateCounter<long>("gadget.containers.removed", "{container}", "Containers that ended (exit: code, signal or unknown).");

    internal static void ContainerAdded() => Added.Add(1);

    internal static void ContainerRemoved(ContainerExitStatus? status) =>
        Removed.Add(1, new KeyValuePair<string, object?>("exit", status is null ? "unknown" : status.Value.Signal is null ? "code" : "signal"));
}
