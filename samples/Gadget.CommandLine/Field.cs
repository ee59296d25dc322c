namespace Gadget.CommandLine;

/// <summary>
/// One field of an event: its JSON name (also what <c>--fields</c> and <c>--filter</c> call it), its column header and
/// width (negative: left-aligned; 0: unpadded), a one-line description for <c>--help</c>, and how to read it from an
/// event (a string, a number, a bool, a list of strings, or null).
/// </summary>
/// <typeparam name="T">The event type.</typeparam>
public sealed record Field<T>(string Name, string Header, int Width, string Description, Func<T, object?> Value)
{
    /// <summary>Whether the field is shown in columns when <c>--fields</c> is not given.</summary>
    public bool Default { get; init; } = true;

    /// <summary>Whether the field is a property of the JSON event (the shared ones are in its timestamp, k8s and runtime).</summary>
    public bool InJson { get; init; } = true;

    /// <summary>
    /// The value of a whole-number field read without boxing (see <see cref="Fields.Number{T}"/>): columns and JSON lines
    /// write its digits straight into their buffer; <see cref="Value"/> gives the same number for YAML and filters.
    /// </summary>
    public Func<T, long>? Integer { get; init; }

    /// <summary>Whether this is the shared TIME column (the event's local wall-clock time, formatted in place).</summary>
    internal bool IsTime { get; init; }
}
