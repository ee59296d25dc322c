namespace Gadget.CommandLine;

/// <summary>How events are printed (<c>-o</c>).</summary>
public enum OutputFormat
{
    /// <summary>Aligned columns with a header, like ig's and the BCC tools'.</summary>
    Columns,

    /// <summary>One JSON object per line (the schema in schemas/gadget-event.schema.json).</summary>
    Json,

    /// <summary>One indented JSON object per event.</summary>
    JsonPretty,

    /// <summary>One YAML document per event.</summary>
    Yaml,
}
