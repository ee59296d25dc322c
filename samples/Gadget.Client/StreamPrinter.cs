using System.Globalization;
using System.Text.Json;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>
/// Prints the agent's stream as the user chose (<c>-o</c>, <c>--fields</c>, <c>--filter</c>): events through the same
/// <see cref="EventWriter{T}"/> as the gadgets CLI; the stream's own records (attached, lost, error) as they came in
/// JSON and YAML, on standard error in columns. Plain <c>-o json</c> without <c>--fields</c> passes events on verbatim.
/// </summary>
internal sealed class StreamPrinter
{
    private readonly EventSchema<AgentEvent> _schema;
    private readonly OutputFormat _format;
    private readonly bool _verbatim;
    private readonly EventFilter _filter;
    private readonly EventWriter<AgentEvent> _events;
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    public StreamPrinter(EventSchema<AgentEvent> schema, OutputFormat format, IReadOnlyList<string>? fields, EventFilter filter, TextWriter output, TextWriter error)
    {
        _schema = schema;
        _format = format;
        _verbatim = format == OutputFormat.Json && fields is null;
        _filter = filter;
        _output = output;
        _error = error;
        _events = new EventWriter<AgentEvent>(schema, format, fields, filter, new TextWriterStream(output));
    }

    /// <summary>Whether the agent said the gadget failed (an error record).</summary>
    public bool Failed { get; private set; }

    /// <summary>Prints one line of the stream.</summary>
    public void Line(string line)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // No agent's line: never on standard output (which stays JSON with -o json), and no terminal commands.
            _events.Flush();
            _error.WriteLine("gadget: the agent sent a line that is not JSON: " + DisplayText.Escape(line));
            return;
        }
        var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type == "event")
        {
            var item = new AgentEvent(root);
            if (!_verbatim)
            {
                _events.Write(item);
            }
            else if (_filter.Matches(name => EventWriter<AgentEvent>.Text(_schema.Find(name)!.Value(item))))
            {
                Other(Plain(line, root));
            }
            return;
        }
        if (type == "error")
        {
            Failed = true;
        }
        if (_format != OutputFormat.Columns)
        {
            Other(_format switch
            {
                OutputFormat.JsonPretty => Indented(root),
                OutputFormat.Yaml => "---\n" + Plain(line, root), // a JSON object is a YAML document (flow style)
                _ => Plain(line, root),
            });
            return;
        }
        _events.Flush();
        // Through the cluster, each node's records carry its name (k8s.node): say which node's agent it was.
        var node = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("k8s", out var k8s) && k8s.ValueKind == JsonValueKind.Object && k8s.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } name ? $"node {DisplayText.Escape(name)}: " : "";
        _error.WriteLine(node.Length > 0 && type is "attached" or "lost" or "error" ? $"gadget: {node}" + Note(type, root, line)["gadget: ".Length..] : Note(type, root, line));
    }

    private string Note(string? type, JsonElement root, string line) =>
        type switch
        {
            "attached" => $"gadget: ready: {_schema.Gadget} attached on the agent",
            "lost" => string.Create(CultureInfo.InvariantCulture, $"gadget: lost {Number(root, "count")} events ({Reason(root)})"),
            "error" => $"gadget: the agent's {_schema.Gadget} failed: {Reason(root)}",
            _ => DisplayText.Escape(line),
        };

    // The agent's words (a compromised node's agent chooses them): one line, no terminal commands.
    private static string Reason(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
            ? DisplayText.Escape(reason.GetString()!)
            : "no reason given";

    /// <summary>Writes out what is buffered (whenever the stream would wait).</summary>
    public void Flush()
    {
        _events.Flush();
        _output.Flush();
    }

    private void Other(string text)
    {
        _events.Flush();
        _output.WriteLine(text);
    }

    /// <summary>
    /// The agent's JSON line as it came, unless it holds DEL or a C1 control (U+0080-U+009F, which JSON lets stand
    /// unescaped in a string, and a terminal may take as a command): then written again, every such character escaped.
    /// </summary>
    private static string Plain(string line, JsonElement root)
    {
        if (!line.AsSpan().ContainsAnyInRange('\x7f', '\x9f'))
        {
            return line;
        }
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            root.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Indented(JsonElement root)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            root.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static long Number(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) ? n : 0;
}
