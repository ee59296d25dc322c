namespace Gadget.CommandLine;

/// <summary>Makes the <see cref="Field{T}"/>s whose values the writers read without allocating.</summary>
public static class Fields
{
    /// <summary>
    /// A whole-number field: <paramref name="value"/> is read without boxing by the columns and JSON lines writers
    /// (<see cref="Field{T}.Integer"/>); its boxed value serves YAML and <c>--filter</c>.
    /// </summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="name">The JSON name (what <c>--fields</c> and <c>--filter</c> call it).</param>
    /// <param name="header">The column header.</param>
    /// <param name="width">The column width (negative: left-aligned; 0: unpadded).</param>
    /// <param name="description">A line for <c>--help</c>.</param>
    /// <param name="value">The number of an event.</param>
    public static Field<T> Number<T>(string name, string header, int width, string description, Func<T, long> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new Field<T>(name, header, width, description, e => value(e)) { Integer = value };
    }
}
