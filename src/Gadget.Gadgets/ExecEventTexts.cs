using System.Text;

namespace Gadget.Gadgets;

/// <summary>
/// The strings of task names already seen (comm, pcomm: at most 16 bytes, a few hundred distinct ones on a node), so that
/// an <see cref="ExecEvent"/> reuses them instead of decoding a new string each time. A small direct-mapped cache: a
/// collision replaces the older entry. One reader at a time (the gadget's consumer).
/// </summary>
internal sealed class ExecEventTexts
{
    private const int Slots = 256;
    private const int MaxLength = 16;
    private readonly string?[] _strings = new string?[Slots];
    private readonly byte[] _bytes = new byte[Slots * MaxLength];
    private readonly byte[] _lengths = new byte[Slots];

    /// <summary>The string of <paramref name="utf8"/>, from the cache when it was seen before.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
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
