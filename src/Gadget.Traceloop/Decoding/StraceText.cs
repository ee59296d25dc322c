using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>strace's text forms: quoted strings, socket addresses.</summary>
internal static class StraceText
{
    /// <summary>
    /// Appends <paramref name="data"/> quoted and escaped like strace (<c>\n</c>, <c>\t</c>, <c>\"</c>, <c>\\</c>, octal for other
    /// non-printables, or <c>\xHH</c> for everything when <paramref name="forceHex"/>), then <c>...</c> when <paramref name="ellipsis"/>.
    /// </summary>
    public static void AppendQuoted(StringBuilder destination, ReadOnlySpan<byte> data, bool ellipsis, bool forceHex = false)
    {
        destination.Append('"');
        for (int i = 0; i < data.Length; i++)
        {
            byte c = data[i];
            if (forceHex)
            {
                destination.Append("\\x").Append(HexDigit(c >> 4)).Append(HexDigit(c & 0xf));
                continue;
            }
            switch (c)
            {
                case (byte)'"':
                case (byte)'\\':
                    destination.Append('\\').Append((char)c);
                    break;
                case (byte)'\f':
                    destination.Append("\\f");
                    break;
                case (byte)'\n':
                    destination.Append("\\n");
                    break;
                case (byte)'\r':
                    destination.Append("\\r");
                    break;
                case (byte)'\t':
                    destination.Append("\\t");
                    break;
                case (byte)'\v':
                    destination.Append("\\v");
                    break;
                default:
                    if (c >= 0x20 && c < 0x7f)
                    {
                        destination.Append((char)c);
                    }
                    else
                    {
                        destination.Append('\\');
                        if (i + 1 < data.Length && data[i + 1] >= (byte)'0' && data[i + 1] <= (byte)'7')
                        {
                            destination.Append((char)('0' + (c >> 6))).Append((char)('0' + ((c >> 3) & 7)));
                        }
                        else if ((c >> 3) != 0)
                        {
                            if ((c >> 6) != 0)
                            {
                                destination.Append((char)('0' + (c >> 6)));
                            }
                            destination.Append((char)('0' + ((c >> 3) & 7)));
                        }
                        destination.Append((char)('0' + (c & 7)));
                    }
                    break;
            }
        }
        destination.Append('"');
        if (ellipsis)
        {
            destination.Append("...");
        }
    }

    /// <summary>Appends a socket address like strace: <c>{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}</c>.</summary>
    public static void AppendSockaddr(StringBuilder destination, ReadOnlySpan<byte> data, int stringLimit)
    {
        if (data.Length < 2)
        {
            destination.Append("{sa_family=???}");
            return;
        }
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(data);
        destination.Append("{sa_family=");
        Constants.AddressFamilies.AppendValue(destination, family);
        switch (family)
        {
            case 2 when data.Length >= 8:
                destination.Append(", sin_port=htons(").Append(BinaryPrimitives.ReadUInt16BigEndian(data[2..])).Append("), sin_addr=inet_addr(\"")
                    .Append(data[4]).Append('.').Append(data[5]).Append('.').Append(data[6]).Append('.').Append(data[7]).Append("\")");
                break;
            case 10 when data.Length >= 24:
                destination.Append(", sin6_port=htons(").Append(BinaryPrimitives.ReadUInt16BigEndian(data[2..]))
                    .Append("), sin6_flowinfo=htonl(").Append(BinaryPrimitives.ReadUInt32BigEndian(data[4..]))
                    .Append("), inet_pton(AF_INET6, \"");
                Span<char> text = stackalloc char[64];
                if (new IPAddress(data.Slice(8, 16)).TryFormat(text, out int written))
                {
                    int percent = text[..written].IndexOf('%');
                    destination.Append(text[..(percent >= 0 ? percent : written)]);
                }
                destination.Append("\", &sin6_addr)");
                if (data.Length >= 28)
                {
                    destination.Append(", sin6_scope_id=").Append(BinaryPrimitives.ReadUInt32LittleEndian(data[24..]));
                }
                break;
            case 1:
                var path = data[2..];
                if (path.Length > 0)
                {
                    destination.Append(", sun_path=");
                    if (path[0] == 0)
                    {
                        destination.Append('@');
                        path = path[1..];
                        int end = path.IndexOf((byte)0);
                        AppendQuoted(destination, end >= 0 ? path[..end] : path, ellipsis: false);
                    }
                    else
                    {
                        int end = path.IndexOf((byte)0);
                        AppendQuoted(destination, end >= 0 ? path[..end] : path, ellipsis: false);
                    }
                }
                break;
            default:
                if (data.Length > 2)
                {
                    destination.Append(", sa_data=");
                    var bytes = data[2..];
                    bool truncated = bytes.Length > stringLimit;
                    AppendQuoted(destination, truncated ? bytes[..stringLimit] : bytes, truncated);
                }
                break;
        }
        destination.Append('}');
    }

    /// <summary>Appends <c>0x</c> and <paramref name="value"/> in lowercase hex (no interpolation: nothing boxed even in Debug builds).</summary>
    public static void AppendHex(StringBuilder destination, ulong value)
    {
        Span<char> digits = stackalloc char[18];
        digits[0] = '0';
        digits[1] = 'x';
        value.TryFormat(digits[2..], out int written, "x", null);
        destination.Append(digits[..(written + 2)]);
    }

    /// <summary>Appends <paramref name="value"/> in decimal, zero-padded to <paramref name="width"/> digits.</summary>
    public static void AppendDecimal(StringBuilder destination, ulong value, int width = 0)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out int written, default, null);
        for (int i = written; i < width; i++)
        {
            destination.Append('0');
        }
        destination.Append(digits[..written]);
    }

    /// <summary>
    /// Appends <c>[a, b, c]</c>, at most <paramref name="limit"/> elements (strace's <c>-s</c> limits arrays too) and then
    /// <c>...</c>: <c>[a, ...]</c>, <c>[...]</c>.
    /// </summary>
    public static void AppendNumberArray(StringBuilder destination, ReadOnlySpan<long> values, int limit)
    {
        destination.Append('[');
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                destination.Append(", ");
            }
            if (i >= limit)
            {
                destination.Append("...");
                break;
            }
            destination.Append(values[i]);
        }
        destination.Append(']');
    }

    /// <summary>Appends an address: <c>NULL</c> or <c>0x..</c>.</summary>
    public static void AppendPointer(StringBuilder destination, ulong value)
    {
        if (value == 0)
        {
            destination.Append("NULL");
        }
        else
        {
            AppendHex(destination, value);
        }
    }

    /// <summary>Appends C's <c>%#x</c>: <c>0</c> for zero, <c>0x..</c> otherwise.</summary>
    public static void AppendHexOrZero(StringBuilder destination, ulong value)
    {
        if (value == 0)
        {
            destination.Append('0');
        }
        else
        {
            AppendHex(destination, value);
        }
    }

    /// <summary>Appends a signal's name (<c>SIGTERM</c>), or its number when it has none.</summary>
    public static void AppendSignal(StringBuilder destination, int signal)
    {
        if (SignalNames.GetName(signal) is { } name)
        {
            destination.Append(name);
        }
        else
        {
            destination.Append(signal);
        }
    }

    /// <summary>Appends a umask as strace's <c>%#03o</c>: octal with a leading 0, at least three digits (<c>000</c>, <c>022</c>, <c>0777</c>).</summary>
    public static void AppendUmask(StringBuilder destination, uint mask)
    {
        Span<char> digits = stackalloc char[12];
        int n = OctalDigits(digits, mask);
        if (digits[n - 1] != '0')
        {
            digits[n++] = '0';
        }
        AppendDigits(destination, digits, n);
    }

    /// <summary>Appends a file mode as strace's <c>0%03o</c>.</summary>
    public static void AppendMode(StringBuilder destination, uint mode)
    {
        Span<char> digits = stackalloc char[12];
        int n = OctalDigits(digits, mode);
        destination.Append('0');
        AppendDigits(destination, digits, n);
    }

    /// <summary>The octal digits of <paramref name="value"/>, least significant first, in <paramref name="digits"/>; returns how many.</summary>
    private static int OctalDigits(Span<char> digits, uint value)
    {
        int n = 0;
        do
        {
            digits[n++] = (char)('0' + (value & 7));
            value >>= 3;
        }
        while (value != 0);
        return n;
    }

    /// <summary>Appends <paramref name="n"/> digits stored least significant first, zero-padded to three.</summary>
    private static void AppendDigits(StringBuilder destination, Span<char> digits, int n)
    {
        while (n < 3)
        {
            digits[n++] = '0';
        }
        for (int i = n - 1; i >= 0; i--)
        {
            destination.Append(digits[i]);
        }
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);
}
