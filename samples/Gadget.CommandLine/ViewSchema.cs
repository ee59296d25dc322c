using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>
/// A gadget's fields read from its records in place (<typeparamref name="TView"/>, e.g. <see cref="ExitEventView"/>):
/// for each field of <see cref="Events"/> (its names, headers, widths, which are shown), how to write its value from a
/// view. What <see cref="ViewEventWriter{TEvent, TView}"/> writes without an event object per record.
/// </summary>
/// <typeparam name="TEvent">The gadget's event type.</typeparam>
/// <typeparam name="TView">The gadget's view of one record.</typeparam>
public sealed class ViewSchema<TEvent, TView>
    where TView : allows ref struct
{
    /// <summary>The names of the fields every event has (written by the writer itself, from the time and the container).</summary>
    internal static readonly string[] SharedFields = ["time", "container", "namespace", "pod"];

    private readonly Dictionary<string, Action<TView, FieldOutput>> _values;

    /// <summary>Creates the schema.</summary>
    /// <param name="events">The schema of the gadget's events: the fields, and what the event-object path writes.</param>
    /// <param name="toEvent">The event of a view (its <c>ToEvent()</c>).</param>
    /// <param name="bootTime">The view's time, in the kernel's CLOCK_BOOTTIME nanoseconds.</param>
    /// <param name="container">The view's container, or null (a host process).</param>
    /// <param name="values">The gadget's own fields: each one's JSON name and how it writes its value.</param>
    /// <exception cref="ArgumentException">A field of <paramref name="events"/> has no value here, or the other way round.</exception>
    public ViewSchema(EventSchema<TEvent> events, Func<TView, TEvent> toEvent, Func<TView, ulong> bootTime, Func<TView, Container?> container,
        IEnumerable<(string Name, Action<TView, FieldOutput> Write)> values)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(values);
        Events = events;
        ToEvent = toEvent;
        BootTime = bootTime;
        Container = container;
        _values = values.ToDictionary(v => v.Name, v => v.Write, StringComparer.Ordinal);
        var own = events.Fields.Select(f => f.Name).Except(SharedFields).Order(StringComparer.Ordinal);
        if (!own.SequenceEqual(_values.Keys.Order(StringComparer.Ordinal)))
        {
            throw new ArgumentException($"{events.Gadget}: the view's fields ({string.Join(',', _values.Keys)}) are not the events' ({string.Join(',', own)}).", nameof(values));
        }
    }

    /// <summary>The schema of the gadget's events.</summary>
    public EventSchema<TEvent> Events { get; }

    /// <summary>The event of a view.</summary>
    public Func<TView, TEvent> ToEvent { get; }

    /// <summary>The view's time, in CLOCK_BOOTTIME nanoseconds.</summary>
    public Func<TView, ulong> BootTime { get; }

    /// <summary>The view's container.</summary>
    public Func<TView, Container?> Container { get; }

    /// <summary>How the gadget's own field <paramref name="name"/> is written (null for the shared ones).</summary>
    internal Action<TView, FieldOutput>? Value(string name) => _values.GetValueOrDefault(name);

    /// <summary>The fields pid, tid, ppid, uid, gid, comm and pcomm of the process <paramref name="process"/> gives.</summary>
    public static IEnumerable<(string Name, Action<TView, FieldOutput> Write)> ProcessFields(Func<TView, ProcessView> process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return
        [
            ("pid", (v, o) => o.Number(process(v).Pid)),
            ("tid", (v, o) => o.Number(process(v).Tid)),
            ("ppid", (v, o) => o.Number(process(v).ParentPid)),
            ("uid", (v, o) => o.Number(process(v).Uid)),
            ("gid", (v, o) => o.Number(process(v).Gid)),
            ("comm", (v, o) => o.Text(process(v).CommUtf8)),
            ("pcomm", (v, o) => o.Text(process(v).ParentCommUtf8)),
        ];
    }
}
