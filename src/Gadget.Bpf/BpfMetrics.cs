using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Gadget.Bpf;

/// <summary>
/// The metrics of Gadget.Bpf, on the <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>: a host
/// observes them with a <see cref="MeterListener"/>, OpenTelemetry (<c>AddMeter("Gadget.Bpf")</c>) or
/// <c>dotnet-counters monitor --counters Gadget.Bpf</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>gadget.bpf.perf.lost</c></term><description>records the kernel dropped because a <see cref="PerfBufferReader"/>'s ring was full, tagged <c>map</c> (counter; what <see cref="PerfBufferReader.LostRecords"/> adds up).</description></item>
/// <item><term><c>gadget.bpf.programs.loaded</c></term><description>BPF programs this process has loaded in the kernel now: those of its
/// <see cref="BpfObject"/>s not disposed yet, tagged <c>object</c> (the object's <see cref="BpfObject.Name"/>) (observable up-down counter).</description></item>
/// </list>
/// Ring buffers have no such count in the kernel: count them in the BPF program (the gadgets do: Gadget.Gadgets' meter).
/// </remarks>
public static class BpfMetrics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = "Gadget.Bpf";

    private static readonly Meter Meter = new(MeterName, typeof(BpfMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> PerfLost = Meter.CreateCounter<long>("gadget.bpf.perf.lost", "{record}", "Records the kernel dropped because a perf buffer's ring was full.");

    // Programs loaded now, by object name: a few names per process, so the table stays small whatever is loaded and freed.
    private static readonly ConcurrentDictionary<string, StrongBox<long>> Programs = new(StringComparer.Ordinal);

    static BpfMetrics()
    {
        Meter.CreateObservableUpDownCounter("gadget.bpf.programs.loaded", ObservePrograms, "{program}", "BPF programs this process has loaded in the kernel now (objects not disposed), per object.");
    }

    /// <summary>An object's <paramref name="count"/> programs were loaded (positive) or closed (negative).</summary>
    internal static void ProgramsLoaded(string objectName, int count)
    {
        if (count != 0)
        {
            Interlocked.Add(ref Programs.GetOrAdd(objectName, static _ => new StrongBox<long>()).Value, count);
        }
    }

    internal static void PerfRecordsLost(string map, ulong count) =>
        PerfLost.Add((long)count, new KeyValuePair<string, object?>("map", map));

    private static IEnumerable<Measurement<long>> ObservePrograms()
    {
        foreach (var (name, count) in Programs)
        {
            yield return new Measurement<long>(Volatile.Read(ref count.Value), new KeyValuePair<string, object?>("object", name));
        }
    }
}
