using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gadget.CommandLine;

/// <summary>
/// Writes events as columns (a header, then a row each), JSON lines, indented JSON or YAML documents, with the chosen
/// fields and filter, into a buffer that <see cref="Flush"/> writes out: the caller flushes whenever it would wait for
/// the next event, so a burst costs one write and a lone event is seen at once.
/// </summary>
/// <typeparam name="T">The event type.</typeparam>
public sealed class EventWriter<T>
{
    private readonly EventSchema<T> _schema;
    private readonly OutputFormat _format;
    private readonly Field<T>[] _columns;
    private readonly Field<T>[] _json;
    private readonly EventFilter _filter;
    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private readonly Utf8JsonWriter _writer;
    private readonly bool _filtered;
    private readonly Utf8Row _row = new();
    private bool _headerWritten;

    /// <summary>Creates a writer to standard output (or <paramref name="output"/>).</summary>
    public EventWriter(EventSchema<T> schema, OutputFormat format, IReadOnlyList<string>? fields, EventFilter filter, Stream? output = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _schema = schema;
        _format = format;
        _filter = filter ?? EventFilter.None;
        _filtered = _filter.Fields.Any();
        _columns = fields is null ? [.. schema.Fields.Where(f => f.Default)] : [.. fields.Select(n => schema.Find(n) ?? throw new CommandLineException($"--fields: unknown field '{n}'."))];
        _json = fields is null ? [.. schema.Fields.Where(f => f.InJson)] : [.. _columns.Where(f => f.InJson)];
        _output = output ?? Console.OpenStandardOutput();
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = format == OutputFormat.JsonPretty, SkipValidation = true });
    }

    /// <summary>How many bytes <see cref="FlushThreshold"/> is by default: 32 KiB.</summary>
    public const int DefaultFlushThreshold = 1 << 15;

    /// <summary>Events written (after the filter).</summary>
    public long Count { get; private set; }

    /// <summary>Bytes formatted and not yet written to the output.</summary>
    public int BufferedBytes => _buffer.WrittenCount;

    /// <summary>How many bytes <see cref="Write"/> lets the buffer hold before it writes them.</summary>
    public int FlushThreshold { get; init; } = DefaultFlushThreshold;

    /// <summary>Writes what is buffered to the output.</summary>
    public void Flush()
    {
        if (_buffer.WrittenCount > 0)
        {
            _output.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
        _output.Flush();
    }

    /// <summary>Writes one event, unless the filter drops it; flushes when the buffer is large.</summary>
    public void Write(T item)
    {
        if (_filtered && !_filter.Matches(name => Text(_schema.Find(name)!.Value(item))))
        {
            return;
        }
        Count++;
        switch (_format)
        {
            case OutputFormat.Columns:
                if (!_headerWritten)
                {
                    _headerWritten = true;
                    Append(Row(_columns.Select(c => c.Header)));
                }
                WriteRow(item);
                break;
            case OutputFormat.Yaml:
                WriteYaml(item);
                break;
            default:
                WriteJson(item);
                break;
        }
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Flush();
        }
    }

    /// <summary>
    /// Reports events the kernel dropped: a <c>{"type":"lost"}</c> record among the events (JSON and YAML), or a line on
    /// standard error (columns), written at once.
    /// </summary>
    public void WriteLost(ulong count, ulong total)
    {
        if (_format == OutputFormat.Columns)
        {
            Flush();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CliHost.Tool}: lost {count} events (ring buffer full; {total} since start)"));
            return;
        }
        var text = _format == OutputFormat.Yaml
            ? string.Create(CultureInfo.InvariantCulture, $"---\ntype: lost\ngadget: {_schema.Gadget}\ncount: {count}\ntotal: {total}\nreason: ring buffer full\n")
            : string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"lost\",\"gadget\":\"{_schema.Gadget}\",\"count\":{count},\"total\":{total},\"reason\":\"ring buffer full\"}}\n");
        Append(text, newline: false);
        Flush();
    }

    private void Append(string text, bool newline = true)
    {
        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
        var written = Encoding.UTF8.GetBytes(text, span);
        if (newline)
        {
            span[written++] = (byte)'\n';
        }
        _buffer.Advance(written);
    }

    private string Row(IEnumerable<string> values)
    {
        var text = new StringBuilder();
        var i = 0;
        foreach (var value in values)
        {
            var column = _columns[i++];
            if (i > 1)
            {
                text.Append(' ');
            }
            text.Append(column.Width switch
            {
                0 => value,
                < 0 => value.PadRight(-column.Width),
                _ => value.PadLeft(column.Width),
            });
        }
        return text.ToString().TrimEnd();
    }

    // The row straight into the buffer: no string per value, no boxing for the fields that have an Integer.
    private void WriteRow(T item)
    {
        Span<byte> time = stackalloc byte[32];
        _row.Clear();
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            if (i > 0)
            {
                _row.Append(" "u8);
            }
            var cell = _row.Length;
            if (column.Integer is { } integer)
            {
                _row.AppendFormatted(integer(item));
            }
            else if (column.IsTime)
            {
                _schema.Time(item).Wall.ToLocalTime().TryFormat(time, out var written, "HH:mm:ss.fff", CultureInfo.InvariantCulture);
                _row.Append(time[..written]);
            }
            else
            {
                AppendText(column.Value(item));
            }
            _row.Pad(cell, column.Width);
        }
        _row.WriteTo(_buffer);
    }

    // What Text(value) gives, as UTF-8 into the row.
    private void AppendText(object? value)
    {
        switch (value)
        {
            case null:
                break;
            case string s:
                _row.AppendText(s);
                break;
            case IEnumerable<string> list:
                var first = true;
                foreach (var s in list)
                {
                    if (!first)
                    {
                        _row.Append(" "u8);
                    }
                    first = false;
                    _row.AppendText(s);
                }
                break;
            case bool b:
                _row.Append(b ? "true"u8 : "false"u8);
                break;
            case IUtf8SpanFormattable f:
                _row.AppendFormatted(f);
                break;
            default:
                _row.AppendText(Text(value));
                break;
        }
    }

    /// <summary>A field's text: what columns show and what <c>--filter</c> compares.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable<string> list => string.Join(' ', list),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private void WriteJson(T item)
    {
        _writer.Reset(_buffer);
        EventJson.Write(_writer, _schema, _json, item);
        _writer.Flush();
        _buffer.Write("\n"u8);
    }

    private void WriteYaml(T item)
    {
        var text = new StringBuilder("---\n");
        var time = _schema.Time(item);
        var origin = _schema.Origin(item);
        text.Append("type: event\ngadget: ").Append(_schema.Gadget).Append('\n');
        text.Append("timestamp: ").Append(Quote(time.Wall.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))).Append('\n');
        text.Append("timestampBoot: ").Append(time.BootNanoseconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("k8s:\n  node: ").Append(Quote(origin.Node)).Append("\n  namespace: ").Append(Quote(origin.Namespace))
            .Append("\n  pod: ").Append(Quote(origin.Pod)).Append("\n  container: ").Append(Quote(origin.KubernetesContainer)).Append('\n');
        text.Append("runtime:\n  name: ").Append(Quote(origin.Runtime)).Append("\n  containerId: ").Append(Quote(origin.ContainerId))
            .Append("\n  containerName: ").Append(Quote(origin.ContainerName)).Append('\n');
        foreach (var field in _json)
        {
            text.Append(field.Name).Append(':');
            switch (field.Value(item))
            {
                case null:
                    text.Append(" null\n");
                    break;
                case IEnumerable<string> list:
                    text.Append(list.Any() ? "\n" : " []\n");
                    foreach (var s in list)
                    {
                        text.Append("  - ").Append(Quote(s)).Append('\n');
                    }
                    break;
                case string s:
                    text.Append(' ').Append(Quote(s)).Append('\n');
                    break;
                case var other:
                    text.Append(' ').Append(Text(other)).Append('\n');
                    break;
            }
        }
        Append(text.ToString(), newline: false);
    }

    // A JSON string is a YAML double-quoted scalar.
    private static string Quote(string s) => JsonSerializer.Serialize(s, EventJsonContext.Default.String);

}
