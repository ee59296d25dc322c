namespace Gadget.Gadgets;

/// <summary>How <see cref="FileTop"/> orders the rows of a snapshot (descending).</summary>
public enum FileTopSort
{
    /// <summary>By bytes read + bytes written.</summary>
    AllBytes = 0,

    /// <summary>By read calls.</summary>
    Reads,

    /// <summary>By write calls.</summary>
    Writes,

    /// <summary>By bytes read.</summary>
    ReadBytes,

    /// <summary>By bytes written.</summary>
    WriteBytes,
}
