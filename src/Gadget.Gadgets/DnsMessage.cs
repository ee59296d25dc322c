using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Gadget.Gadgets;

/// <summary>
/// What <see cref="DnsSnoop"/> reads from a DNS message (RFC 1035): the header, the first question, and the A/AAAA
/// addresses of the answer section. <see cref="Parse"/> never throws: a truncated or malformed message gives what could
/// be read before the fault and <see cref="Error"/> says what was wrong.
/// </summary>
internal sealed class DnsMessage
{
    private const int HeaderLength = 12;
    private const int MaxNameLength = 255; // RFC 1035 2.3.4, in wire form
    private const int MaxPointers = 32; // more compression pointers than any sane name needs: a loop
    private const int MaxAnswers = 32;

    /// <summary>The message id (pairs a response with its query).</summary>
    public int Id { get; private init; }

    /// <summary>QR: true for a response, false for a query.</summary>
    public bool IsResponse { get; private init; }

    /// <summary>OPCODE: 0 a standard query.</summary>
    public int OpCode { get; private init; }

    /// <summary>RCODE: 0 no error, 2 server failure, 3 NXDOMAIN...</summary>
    public int ResponseCode { get; private init; }

    /// <summary>TC: the message was truncated by its sender (the answer is to be asked again over TCP).</summary>
    public bool IsTruncated { get; private init; }

    /// <summary>The first question's name, dotted, without the final dot ("" for the root); "" when there is no question.</summary>
    public string Name { get; private set; } = string.Empty;

    /// <summary>The first question's QTYPE (1 A, 28 AAAA...), 0 when there is no question.</summary>
    public int QueryType { get; private set; }

    /// <summary>The header's answer count (ANCOUNT).</summary>
    public int AnswerCount { get; private init; }

    /// <summary>The addresses of the A and AAAA records of the answer section, in order (at most 32).</summary>
    public IReadOnlyList<IPAddress> Addresses { get; private set; } = [];

    /// <summary>Why the message could not be read to its end (null: it could): e.g. "truncated in the question".</summary>
    public string? Error { get; private set; }

    /// <summary>Whether <see cref="Error"/> is set.</summary>
    public bool IsMalformed => Error is not null;

    /// <summary>Reads a DNS message (as carried by UDP, no length prefix).</summary>
    public static DnsMessage Parse(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderLength)
        {
            return new DnsMessage { Error = $"malformed: {message.Length} bytes, shorter than a DNS header" };
        }
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var result = new DnsMessage
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(message),
            IsResponse = (flags & 0x8000) != 0,
            OpCode = (flags >> 11) & 0xF,
            IsTruncated = (flags & 0x0200) != 0,
            ResponseCode = flags & 0xF,
            AnswerCount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
        };
        var offset = HeaderLength;
        for (var i = 0; i < questions; i++)
        {
            if (!TryReadName(message, ref offset, i == 0 ? new StringBuilder() : null, out var name, out var error))
            {
                result.Error = $"malformed: question {i + 1}: {error}";
                return result;
            }
            if (offset + 4 > message.Length)
            {
                result.Error = $"malformed: question {i + 1}: truncated before its type and class";
                return result;
            }
            if (i == 0)
            {
                result.Name = name;
                result.QueryType = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            }
            offset += 4;
        }
        List<IPAddress>? addresses = null;
        for (var i = 0; i < result.AnswerCount; i++)
        {
            if (!TryReadName(message, ref offset, null, out _, out var error))
            {
                result.Error = $"malformed: answer {i + 1}: {error}";
                break;
            }
            if (offset + 10 > message.Length)
            {
                result.Error = $"malformed: answer {i + 1}: truncated before its data";
                break;
            }
            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            if (offset + length > message.Length)
            {
                result.Error = $"malformed: answer {i + 1}: its {length} bytes of data run past the message's end";
                break;
            }
            if (((type == 1 && length == 4) || (type == 28 && length == 16)) && (addresses?.Count ?? 0) < MaxAnswers)
            {
                (addresses ??= []).Add(new IPAddress(message.Slice(offset, length)));
            }
            offset += length;
        }
        if (addresses is not null)
        {
            result.Addresses = addresses;
        }
        return result;
    }

    /// <summary>
    /// Reads a (possibly compressed) name at <paramref name="offset"/>, which moves past it in the message; its text goes
    /// to <paramref name="text"/> (null: checked and skipped, not kept).
    /// </summary>
    private static bool TryReadName(ReadOnlySpan<byte> message, ref int offset, StringBuilder? text, out string name, out string? error)
    {
        var labels = 0;
        var position = offset;
        var end = -1; // where the name ends in place, once a pointer was followed
        var wireLength = 0;
        var pointers = 0;
        name = string.Empty;
        while (true)
        {
            if (position >= message.Length)
            {
                error = "truncated in a name";
                return false;
            }
            int length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length)
                {
                    error = "truncated in a compression pointer";
                    return false;
                }
                if (++pointers > MaxPointers)
                {
                    error = "compression pointers loop";
                    return false;
                }
                var target = ((length & 0x3F) << 8) | message[position + 1];
                if (end < 0)
                {
                    end = position + 2;
                }
                // A pointer goes back to a name written earlier: one forward (or to itself) is how loops are made.
                if (target >= position)
                {
                    error = "compression pointer does not point backwards";
                    return false;
                }
                position = target;
                continue;
            }
            if ((length & 0xC0) != 0)
            {
                error = $"unknown label type 0x{length & 0xC0:x2}";
                return false;
            }
            if (length == 0)
            {
                offset = end >= 0 ? end : position + 1;
                name = text?.ToString() ?? string.Empty;
                error = null;
                return true;
            }
            wireLength += length + 1;
            if (wireLength + 1 > MaxNameLength)
            {
                error = "name longer than 255 bytes";
                return false;
            }
            if (position + 1 + length > message.Length)
            {
                error = "truncated in a label";
                return false;
            }
            if (text is not null)
            {
                if (labels++ > 0)
                {
                    text.Append('.');
                }
                AppendLabel(text, message.Slice(position + 1, length));
            }
            position += 1 + length;
        }
    }

    /// <summary>A label as dig writes it: printable ASCII as is (dots and backslashes escaped), other bytes as \DDD.</summary>
    private static void AppendLabel(StringBuilder text, ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            if (b is (byte)'.' or (byte)'\\')
            {
                text.Append('\\').Append((char)b);
            }
            else if (b is > 0x20 and < 0x7F)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('\\').Append(b.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
