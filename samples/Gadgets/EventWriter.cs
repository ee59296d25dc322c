using System.Globalization;
using System.Text.Json;

namespace Gadgets;

/// <summary>
/// Writes events as aligned columns (with a header) or as JSON lines, from one list of <see cref="Column{T}"/>, into a
/// buffer that <see cref="Flush"/> writes out (the caller flushes whenever it would wait for the next event).
/// </summary>
internal sealed class EventWriter<T>
{
    private readonly IReadOnlyList<Column<T>> _columns;
    private readonly OutputFormat _format;
    private readonly TextWriter _output;
    private readonly MemoryStream _json = new();
    private bool _headerWritten;

    public EventWriter(IReadOnlyList<Column<T>> columns, OutputFormat format, TextWriter? output = null)
    {
        _columns = columns;
        _format = format;
        _output = output ?? new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
    }

    /// <summary>Writes out what is buffered (called when no more events are waiting).</summary>
    public void Flush() => _output.Flush();

    /// <summary>Writes one event (the header first, in columns mode).</summary>
    public void Write(T item)
    {
        if (_format == OutputFormat.Json)
        {
            WriteJson(item);
        }
        else
        {
            if (!_headerWritten)
            {
                _headerWritten = true;
                _output.WriteLine(Row(c => c.Header));
            }
            _output.WriteLine(Row(c => Format(c.Value(item))));
        }
    }

    /// <summary>
    /// Reports events the kernel dropped: a <c>{"type":"lost","count":N,"total":T}</c> line among the events (json), or a
    /// line on stderr (columns), written at once.
    /// </summary>
    public void WriteLost(Gadget.Gadgets.EventsLostEventArgs lost)
    {
        if (_format == OutputFormat.Json)
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"lost\",\"count\":{lost.Count},\"total\":{lost.Total},\"reason\":\"ring buffer full\"}}"));
            _output.Flush();
        }
        else
        {
            _output.Flush();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lost {lost.Count} events (ring buffer full; {lost.Total} since start)"));
        }
    }

    private string Row(Func<Column<T>, string> text)
    {
        var parts = new string[_columns.Count];
        for (var i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            var value = text(column);
            parts[i] = column.Width switch
            {
                0 => value,
                < 0 => value.PadRight(-column.Width),
                _ => value.PadLeft(column.Width),
            };
        }
        return string.Join(' ', parts).TrimEnd();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable<string> list => string.Join(' ', list),
        bool b => b ? "yes" : "no",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private void WriteJson(T item)
    {
        _json.SetLength(0);
        using (var writer = new Utf8JsonWriter(_json))
        {
            writer.WriteStartObject();
            foreach (var column in _columns)
            {
                writer.WritePropertyName(column.Header.ToLowerInvariant());
                switch (column.Value(item))
                {
                    case null:
                        writer.WriteNullValue();
                        break;
                    case bool b:
                        writer.WriteBooleanValue(b);
                        break;
                    case int or long or uint or ulong or short or ushort or byte or double or float or decimal:
                        writer.WriteRawValue(Format(column.Value(item)));
                        break;
                    case IEnumerable<string> list:
                        writer.WriteStartArray();
                        foreach (var s in list)
                        {
                            writer.WriteStringValue(s);
                        }
                        writer.WriteEndArray();
                        break;
                    case var other:
                        writer.WriteStringValue(Format(other));
                        break;
                }
            }
            writer.WriteEndObject();
        }
        _output.WriteLine(System.Text.Encoding.UTF8.GetString(_json.GetBuffer(), 0, (int)_json.Length));
    }
}
