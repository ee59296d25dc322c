namespace Gadgets;

/// <summary>How events are printed.</summary>
internal enum OutputFormat
{
    /// <summary>Aligned columns with a header, like BCC's and Inspektor Gadget's tools.</summary>
    Columns,

    /// <summary>One JSON object per line.</summary>
    Json,
}
