using System.Buffers.Binary;
using System.Text;

namespace Gadget.Gadgets.Tests;

/// <summary>DNS messages in wire format (RFC 1035), written for the parser's tests and by the test responder.</summary>
internal static class DnsWire
{
    public static byte[] Header(int id, int flags, int questions, int answers)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)id);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)questions);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)answers);
        return header;
    }

    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public static byte[] Question(string name, int type) => [.. Name(name), (byte)(type >> 8), (byte)type, 0, 1];

    public static byte[] Query(int id, string name, int type) => [.. Header(id, 0x0100, 1, 0), .. Question(name, type)];

    /// <summary>An answer record whose name is a pointer to the question's name (offset 12), class IN, TTL 60.</summary>
    public static byte[] Answer(int type, byte[] data) =>
        [0xC0, 12, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 60, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    public static byte[] Response(int id, string name, int type, int rcode, byte[][] answers) =>
        [.. Header(id, 0x8180 | rcode, 1, answers.Length), .. Question(name, type), .. answers.SelectMany(a => a)];
}
