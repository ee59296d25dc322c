using System.Diagnostics.Metrics;

namespace Gadget.Gadgets;

/// <summary>
/// The metrics of the gadgets, on the <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>, each tagged
/// <c>gadget</c> (<c>execsnoop</c>, <c>opensnoop</c>, <c>sigsnoop</c>, <c>oomkill</c>, <c>tcpconnect</c>, <c>tcpaccept</c>): a host
/// observes them with a <see cref="MeterListener"/>, OpenTelemetry (<c>AddMeter("Gadget.Gadgets")</c>) or
/// <c>dotnet-counters monitor --counters Gadget.Gadgets</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>gadget.gadgets.events</c></term><description>events a gadget's <c>ReadAsync</c> handed out (counter).</description></item>
/// <item><term><c>gadget.gadgets.events.lost</c></term><description>events the kernel dropped because the gadget's ring buffer was full, counted as <c>ReadAsync</c> notices them (counter).</description></item>
/// </list>
/// Counting costs nothing while nobody listens, and allocates nothing when someone does.
/// </remarks>
public static class GadgetMetrics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = "Gadget.Gadgets";

    private static readonly Meter Meter = new(MeterName, typeof(GadgetMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> Events = Meter.CreateCounter<long>("gadget.gadgets.events", "{event}", "Events the gadgets handed out.");
    private static readonly Counter<long> Lost = Meter.CreateCounter<long>("gadget.gadgets.events.lost", "{event}", "Events the kernel dropped because a gadget's ring buffer was full.");

    internal static bool IsLostEnabled => Lost.Enabled;

    internal static void EventsRead(string gadget, int count)
    {
        if (count > 0 && Events.Enabled)
        {
            Events.Add(count, new KeyValuePair<string, object?>("gadget", gadget));
        }
    }

    internal static void EventsLost(string gadget, ulong count)
    {
        if (count > 0)
        {
            Lost.Add((long)count, new KeyValuePair<string, object?>("gadget", gadget));
        }
    }
}
