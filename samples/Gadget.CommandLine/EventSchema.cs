using System.Text;
using Gadget.Containers;

namespace Gadget.CommandLine;

/// <summary>
/// What a command's events look like in every output: the gadget's name, its fields, and the parts every event shares
/// (its time, its container: the <c>timestamp</c>, <c>timestampBoot</c>, <c>k8s</c> and <c>runtime</c> of the JSON,
/// published in schemas/gadget-event.schema.json).
/// </summary>
/// <typeparam name="T">The event type.</typeparam>
public sealed class EventSchema<T>
{
    /// <summary>Creates the schema; the TIME, CONTAINER, namespace and pod fields are added in front of <paramref name="fields"/>.</summary>
    /// <param name="gadget">The gadget's name (the JSON's <c>gadget</c>).</param>
    /// <param name="time">The event's wall-clock time and kernel boot-time nanoseconds.</param>
    /// <param name="container">The container the event belongs to, or null (a host process).</param>
    /// <param name="fields">The gadget's own fields.</param>
    public EventSchema(string gadget, Func<T, EventTime> time, Func<T, Container?> container, IReadOnlyList<Field<T>> fields)
        : this(gadget, time, OriginOf(container), fields)
    {
    }

    /// <summary>Creates the schema of events whose node, pod and container <paramref name="origin"/> tells (e.g. read from an agent's JSON).</summary>
    /// <param name="gadget">The gadget's name (the JSON's <c>gadget</c>).</param>
    /// <param name="time">The event's wall-clock time and kernel boot-time nanoseconds.</param>
    /// <param name="origin">The event's node, pod and container.</param>
    /// <param name="fields">The gadget's own fields.</param>
    public EventSchema(string gadget, Func<T, EventTime> time, Func<T, EventOrigin> origin, IReadOnlyList<Field<T>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Gadget = gadget;
        Time = time;
        Origin = origin;
        Fields =
        [
            new Field<T>("time", "TIME", -12, "wall-clock time of the event (in JSON: timestamp, ISO 8601, and timestampBoot, the kernel's CLOCK_BOOTTIME in ns)", e => time(e).Wall.ToLocalTime().ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)) { InJson = false, IsTime = true },
            new Field<T>("container", "CONTAINER", -16, "the container's name, empty for a host process (in JSON: runtime.containerName)", e => origin(e).ContainerName) { InJson = false },
            new Field<T>("namespace", "NAMESPACE", -16, "the pod's Kubernetes namespace (in JSON: k8s.namespace)", e => origin(e).Namespace) { InJson = false, Default = false },
            new Field<T>("pod", "POD", -24, "the pod's name (in JSON: k8s.pod)", e => origin(e).Pod) { InJson = false, Default = false },
            .. fields,
        ];
        JsonFields = [.. Fields.Where(f => f.InJson)];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in Fields)
        {
            if (!names.Add(field.Name))
            {
                throw new ArgumentException($"Two fields are called '{field.Name}'.", nameof(fields));
            }
        }
    }

    // The origin of an event's container: made once per container in a row (the last one is kept: events come in runs of
    // one container), not per event. Safe for concurrent writers: the pair is replaced whole.
    private static Func<T, EventOrigin> OriginOf(Func<T, Container?> container)
    {
        ArgumentNullException.ThrowIfNull(container);
        Tuple<Container, EventOrigin>? last = null;
        return e =>
        {
            if (container(e) is not { } c)
            {
                return EventOrigin.Host;
            }
            var seen = Volatile.Read(ref last);
            if (seen is not null && ReferenceEquals(seen.Item1, c))
            {
                return seen.Item2;
            }
            var origin = EventOrigin.Of(c);
            Volatile.Write(ref last, Tuple.Create(c, origin));
            return origin;
        };
    }

    /// <summary>The gadget's name.</summary>
    public string Gadget { get; }

    /// <summary>Every field, the shared ones first.</summary>
    public IReadOnlyList<Field<T>> Fields { get; }

    /// <summary>The fields that are properties of the JSON object (the shared ones are in timestamp, k8s and runtime).</summary>
    public IReadOnlyList<Field<T>> JsonFields { get; }

    /// <summary>The event's time.</summary>
    public Func<T, EventTime> Time { get; }

    /// <summary>The event's node, pod and container.</summary>
    public Func<T, EventOrigin> Origin { get; }

    /// <summary>The field called <paramref name="name"/>, or null.</summary>
    public Field<T>? Find(string name) => Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    /// <summary>The fields' lines for <c>--help</c>.</summary>
    public string Describe()
    {
        var text = new StringBuilder("fields (--fields NAME,..., --filter NAME==V; * not shown by default):");
        var width = Fields.Max(f => f.Name.Length) + 2;
        foreach (var field in Fields)
        {
            text.Append('\n').Append("  ").Append((field.Name + (field.Default ? "" : "*")).PadRight(width)).Append(field.Description);
        }
        return text.ToString();
    }
}
