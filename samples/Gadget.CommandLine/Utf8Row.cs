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
}
