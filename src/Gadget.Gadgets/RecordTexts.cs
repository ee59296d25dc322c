using System.Text;

namespace Gadget.Gadgets;

/// <summary>
/// The strings of short record texts already seen (task names, file system types, mount sources and targets: a few
/// hundred distinct ones on a node), so that an event reuses them instead of decoding a new string each time. A small
/// direct-mapped cache: a collision replaces the older entry; a text longer than <see cref="MaxLength"/> bytes is decoded
/// each time. One reader at a time (the gadget's consumer).
/// </summary>
internal sealed class RecordTexts
{
    /// <summary>The longest text kept, in bytes.</summary>
    public const int MaxLength = 64;

    private const int Slots = 256;
    private readonly string?[] _strings = new string?[Slots];
    private readonly byte[] _bytes = new byte[Slots * MaxLength];
    private readonly byte[] _lengths = new byte[Slots];

    /// <summary>The string of the NUL-terminated text in <paramref name="bytes"/> (the whole span when there is no NUL).</summary>
    public string Decode(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Get(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>The string of <paramref name="utf8"/>, from the cache when it was seen before.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }
        var hash = 2166136261u; // FNV-1a
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }
        var slot = (int)(hash % Slots);
        var cached = _bytes.AsSpan(slot * MaxLength, _lengths[slot]);
        if (_strings[slot] is { } text && cached.SequenceEqual(utf8))
        {
            return text;
        }
        text = Encoding.UTF8.GetString(utf8);
        utf8.CopyTo(_bytes.AsSpan(slot * MaxLength));
        _lengths[slot] = (byte)utf8.Length;
        _strings[slot] = text;
        return text;
    }
}
