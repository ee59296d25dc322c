namespace Gadgets;

/// <summary>
/// One output column: its header (also the JSON property name, lower-cased), its width (negative: left-aligned;
/// 0: last column, unpadded) and how to get it from an event (a string, number, bool or null for JSON).
/// </summary>
internal sealed record Column<T>(string Header, int Width, Func<T, object?> Value);
