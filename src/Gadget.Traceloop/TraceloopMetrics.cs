using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Gadget.Traceloop;

/// <summary>
/// The metrics of the flight recorder, on the <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>: a
/// host observes them with a <see cref="MeterListener"/>, OpenTelemetry (<c>AddMeter("Gadget.Traceloop")</c>) or
/// <c>dotnet-counters monitor --counters Gadget.Traceloop</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>gadget.traceloop.containers.recorded</c></term><description>containers a <see cref="ContainerRecorder"/> started recording (counter).</description></item>
/// <item><term><c>gadget.traceloop.containers.ended</c></term><description>recorded containers that ended, tagged <c>crash</c> = true or false (counter).</description></item>
/// <item><term><c>gadget.traceloop.syscalls.missed</c></term><description>syscalls of new cgroups that found no spare ring, per tracer (tag <c>tracer</c>), <see cref="TraceloopTracer.MissedForEmptyPool"/> (observable counter).</description></item>
/// <item><term><c>gadget.traceloop.rings.spare</c></term><description>spare rings left for new cgroups' first syscalls, per tracer (tag <c>tracer</c>): 0 means the next new container is counted, not recorded, until the pool is refilled (observable gauge; see <see cref="TraceloopOptions.SpareRings"/>).</description></item>
/// <item><term><c>gadget.traceloop.rings.used</c></term><description>rings given to cgroups (recording, kept for their history, or claimed by the kernel and not decided yet), per tracer (tag <c>tracer</c>), <see cref="TraceloopTracer.Cgroups"/> (observable gauge).</description></item>
/// <item><term><c>gadget.traceloop.records.not_written</c></term><description>records the BPF program could not write into the rings there are now (a ring was paused while it was read), per tracer (tag <c>tracer</c>), <see cref="TraceloopTracer.OutputErrors"/> (observable counter).</description></item>
/// </list>
/// </remarks>
public static class TraceloopMetrics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = "Gadget.Traceloop";

    private static readonly Meter Meter = new(MeterName, typeof(TraceloopMetrics).Assembly.GetName().Version?.ToString());
    private static readonly ConcurrentDictionary<TraceloopTracer, int> Tracers = new();
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;
    private static readonly Counter<long> Recorded = Meter.CreateCounter<long>("gadget.traceloop.containers.recorded", "{container}", "Containers a ContainerRecorder started recording.");
    private static readonly Counter<long> Ended = Meter.CreateCounter<long>("gadget.traceloop.containers.ended", "{container}", "Recorded containers that ended (crash: exited non-zero or killed by a signal).");
    private static int _nextTracer;

    static TraceloopMetrics()
    {
        Meter.CreateObservableCounter("gadget.traceloop.syscalls.missed", ObserveMissed, "{syscall}", "Syscalls of new cgroups that found no spare ring in the kernel, per tracer.");
        Meter.CreateObservableGauge("gadget.traceloop.rings.spare", () => Observe(static t => t.SpareRings), "{ring}", "Spare rings left for new cgroups, per tracer.");
        Meter.CreateObservableGauge("gadget.traceloop.rings.used", () => Observe(static t => t.Cgroups.Count), "{ring}", "Rings given to cgroups (recording, kept or claimed), per tracer.");
        Meter.CreateObservableCounter("gadget.traceloop.records.not_written", () => Observe(static t => (long)t.OutputErrors), "{record}", "Records the BPF program could not write into the rings there are now, per tracer.");
    }

    internal static void ContainerRecorded() => Recorded.Add(1);

    internal static void ContainerEnded(bool crash) => Ended.Add(1, new KeyValuePair<string, object?>("crash", crash ? BoxedTrue : BoxedFalse));

    internal static void Register(TraceloopTracer tracer) => Tracers[tracer] = Interlocked.Increment(ref _nextTracer);

    internal static void Unregister(TraceloopTracer tracer) => Tracers.TryRemove(tracer, out _);

    private static IEnumerable<Measurement<long>> ObserveMissed() => Observe(static t => (long)t.MissedForEmptyPool);

    private static IEnumerable<Measurement<long>> Observe(Func<TraceloopTracer, long> read)
    {
        foreach (var (tracer, id) in Tracers)
        {
            long value;
            try
            {
                value = read(tracer);
            }
            catch (ObjectDisposedException)
            {
                continue;
            }
            yield return new Measurement<long>(value, new KeyValuePair<string, object?>("tracer", id));
        }
    }
}
