using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Gadget.CommandLine;

/// <summary>
/// Where a field of an event read in place (<see cref="ViewSchema{TEvent, TView}"/>) writes its value: a cell of a
/// columns row, or a JSON value. Each kind of value comes out as <see cref="EventWriter{T}"/> and <see cref="EventJson"/>
/// write the same value of an event object, without allocating.
/// </summary>
public sealed class FieldOutput
{
    private readonly Utf8Row _row;
    private readonly Utf8JsonWriter _json;
    private bool _firstItem;

    internal FieldOutput(Utf8Row row, Utf8JsonWriter json)
    {
        _row = row;
        _json = json;
    }

    /// <summary>Whether values go to the JSON writer (else to the row).</summary>
    internal bool IsJson { get; set; }

    /// <summary>A whole number.</summary>
    public void Number(long value)
    {
        if (IsJson)
        {
            _json.WriteNumberValue(value);
        }
        else
        {
            _row.AppendFormatted(value);
        }
    }

    /// <summary>A number with a fraction, as <c>ToString(null, InvariantCulture)</c> writes it (in JSON too).</summary>
    public void Number(double value)
    {
        if (IsJson)
        {
            Span<byte> digits = stackalloc byte[64];
            value.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
            _json.WriteRawValue(digits[..length], skipInputValidation: true);
        }
        else
        {
            _row.AppendFormatted(value);
        }
    }

    /// <summary>true or false.</summary>
    public void Boolean(bool value)
    {
        if (IsJson)
        {
            _json.WriteBooleanValue(value);
        }
        else
        {
            _row.Append(value ? "true"u8 : "false"u8);
        }
    }

    /// <summary>A string (null: nothing in a column, null in JSON; control characters escaped in a column, as <c>\n</c>).</summary>
    public void Text(string? value)
    {
        if (!IsJson)
        {
            _row.AppendText(value);
        }
        else if (value is null)
        {
            _json.WriteNullValue();
        }
        else
        {
            _json.WriteStringValue(value);
        }
    }

    /// <summary>
    /// The kernel's bytes of a text: as they are when they are valid UTF-8, else decoded with U+FFFD for what is not
    /// (allocates; rare), as the event object's string has them.
    /// </summary>
    public void Text(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            Text(Encoding.UTF8.GetString(utf8));
        }
        else if (IsJson)
        {
            _json.WriteStringValue(utf8);
        }
        else
        {
            _row.AppendText(utf8);
        }
    }

    /// <summary>Starts a list of texts (<see cref="Item"/> each, then <see cref="EndList"/>): a JSON array, or the texts joined by spaces.</summary>
    public void StartList()
    {
        _firstItem = true;
        if (IsJson)
        {
            _json.WriteStartArray();
        }
    }

    /// <summary>One text of the list, as <see cref="Text(ReadOnlySpan{byte})"/>.</summary>
    public void Item(ReadOnlySpan<byte> utf8)
    {
        if (!IsJson && !_firstItem)
        {
            _row.Append(" "u8);
        }
        _firstItem = false;
        Text(utf8);
    }

    /// <summary>Ends the list.</summary>
    public void EndList()
    {
        if (IsJson)
        {
            _json.WriteEndArray();
        }
    }
}
