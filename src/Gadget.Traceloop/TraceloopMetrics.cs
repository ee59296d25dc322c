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
    }

    internal static void ContainerRecorded() => Recorded.Add(1);

    internal static void ContainerEnded(bool crash) => Ended.Add(1, new KeyValuePair<string, object?>("crash", crash ? BoxedTrue : BoxedFalse));

    internal static void Register(TraceloopTracer tracer) => Tracers[tracer] = Interlocked.Increment(ref _nextTracer);

    internal static void Unregister(TraceloopTracer tracer) => Tracers.TryRemove(tracer, out _);

    private static IEnumerable<Measurement<long>> ObserveMissed()
    {
        foreach (var (tracer, id) in Tracers)
        {
            long missed;
            try
            {
                missed = (long)tracer.MissedForEmptyPool;
            }
            catch (ObjectDisposedException)
            {
                continue;
            }
            yield return new Measurement<long>(missed, new KeyValuePair<string, object?>("tracer", id));
        }
    }
}
