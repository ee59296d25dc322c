using System.Buffers;
using System.Globalization;
using System.Text;

namespace Gadget.CommandLine;

/// <summary>
/// One row of columns being formatted as UTF-8, without allocating: cells appended one after the other, each padded to
/// its column's width in characters (as <see cref="string.PadLeft(int)"/> / <see cref="string.PadRight(int)"/> count
/// them), the row written out without its trailing white space (as <see cref="string.TrimEnd()"/>) and a newline.
/// </summary>
internal sealed class Utf8Row
{
    // What a text cell may not hold as it is: C0 controls, DEL, and the first byte of a C1 control's UTF-8 (U+0080-U+009F).
    private static readonly SearchValues<byte> ControlBytes = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(b => (byte)b), 0x7f, 0xc2]);
    private static readonly SearchValues<char> ControlChars = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(c => (char)c), (char)0x7f, .. Enumerable.Range(0x80, 0x20).Select(c => (char)c)]);

    private byte[] _row = new byte[1024];

    /// <summary>The bytes of the row so far.</summary>
    public int Length { get; private set; }

    /// <summary>Starts a new row.</summary>
    public void Clear() => Length = 0;

    /// <summary>Makes room for <paramref name="count"/> more bytes and counts them as written; returns them.</summary>
    public Span<byte> Append(int count)
    {
        if (Length + count > _row.Length)
        {
            Array.Resize(ref _row, Math.Max(_row.Length * 2, Length + count));
        }
        var span = _row.AsSpan(Length, count);
        Length += count;
        return span;
    }

    /// <summary>Appends <paramref name="bytes"/>.</summary>
    public void Append(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Append(bytes.Length));

    /// <summary>Appends <paramref name="text"/> as UTF-8 (nothing for null).</summary>
    public void Append(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            var span = Append(Encoding.UTF8.GetMaxByteCount(text.Length));
            Length -= span.Length - Encoding.UTF8.GetBytes(text, span);
        }
    }

    /// <summary>
    /// Appends a text that a process, a container's creator or the network chose (a command name, argv, a path, a DNS
    /// name), as UTF-8: its control characters, which would break the row into lines of the writer's choosing or reach the
    /// terminal as commands (ESC sequences), written as C escapes (<c>\n</c>, <c>\t</c>, <c>\r</c>, <c>\x1b</c>; a C1
    /// control as <c>\u0085</c>), as strace writes them. Nothing is allocated.
    /// </summary>
    public void AppendText(ReadOnlySpan<byte> utf8)
    {
        while (true)
        {
            var at = utf8.IndexOfAny(ControlBytes);
            if (at < 0)
            {
                Append(utf8);
                return;
            }
            Append(utf8[..at]);
            var b = utf8[at];
            if (b == 0xc2)
            {
                if (at + 1 < utf8.Length && utf8[at + 1] is >= 0x80 and <= 0x9f)
                {
                    AppendEscape(utf8[at + 1], c1: true);
                    utf8 = utf8[(at + 2)..];
                }
                else
                {
                    Append(utf8.Slice(at, 1)); // the start of another character (U+00A0-U+00BF)
                    utf8 = utf8[(at + 1)..];
                }
                continue;
            }
            AppendEscape(b, c1: false);
            utf8 = utf8[(at + 1)..];
        }
    }

    /// <summary>Appends a chosen text (<see cref="AppendText(ReadOnlySpan{byte})"/>) given as a string (nothing for null).</summary>
    public void AppendText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }
        var chars = text.AsSpan();
        while (true)
        {
            var at = chars.IndexOfAny(ControlChars);
            var plain = at < 0 ? chars : chars[..at];
            var span = Append(Encoding.UTF8.GetMaxByteCount(plain.Length));
            Length -= span.Length - Encoding.UTF8.GetBytes(plain, span);
            if (at < 0)
            {
                return;
            }
            AppendEscape((byte)chars[at], c1: chars[at] >= 0x80);
            chars = chars[(at + 1)..];
        }
    }

    private void AppendEscape(byte control, bool c1)
    {
        var escape = control switch
        {
            (byte)'\n' when !c1 => "\\n"u8,
            (byte)'\t' when !c1 => "\\t"u8,
            (byte)'\r' when !c1 => "\\r"u8,
            _ => default,
        };
        if (!escape.IsEmpty)
        {
            Append(escape);
            return;
        }
        if (c1)
        {
            Append("\\u00"u8);
        }
        else
        {
            Append("\\x"u8);
        }
        control.TryFormat(Append(2), out _, "x2", CultureInfo.InvariantCulture);
    }

    /// <summary>Appends <paramref name="value"/> formatted as <c>ToString(null, InvariantCulture)</c> does, without a string.</summary>
    public void AppendFormatted<TValue>(TValue value)
        where TValue : IUtf8SpanFormattable
    {
        for (var room = 32; ; room *= 2)
        {
            var span = Append(room);
            if (value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
            {
                Length -= room - written;
                return;
            }
            Length -= room;
        }
    }

    /// <summary>
    /// Pads the cell that starts at <paramref name="cell"/> (and ends at the row's end) to <c>|width|</c> characters:
    /// spaces in front when <paramref name="width"/> is positive (right-aligned), after it when negative; 0: as it is.
    /// </summary>
    public void Pad(int cell, int width)
    {
        var pad = Math.Abs(width) - Encoding.UTF8.GetCharCount(_row.AsSpan(cell, Length - cell));
        if (width == 0 || pad <= 0)
        {
            return;
        }
        var end = Length;
        Append(pad);
        if (width > 0)
        {
            _row.AsSpan(cell, end - cell).CopyTo(_row.AsSpan(cell + pad));
            _row.AsSpan(cell, pad).Fill((byte)' ');
        }
        else
        {
            _row.AsSpan(end, pad).Fill((byte)' ');
        }
    }

    /// <summary>Writes the row without its trailing white space, and a newline, to <paramref name="output"/>.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var row = _row.AsSpan(0, Length);
        while (!row.IsEmpty && Rune.DecodeLastFromUtf8(row, out var rune, out var size) == OperationStatus.Done && Rune.IsWhiteSpace(rune))
        {
            row = row[..^size];
        }
        output.Write(row);
        output.Write("\n"u8);
    }

    /// <summary>The row so far, as a string (all of it: trailing white space included).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_row, 0, Length);
}
