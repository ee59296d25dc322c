using System.Text;

namespace Gadget.Gadgets;

/// <summary>Decodes the NUL-terminated strings of BPF records.</summary>
internal static class RecordText
{
    /// <summary>The bytes before the first NUL (the whole span when there is none).</summary>
    public static ReadOnlySpan<byte> UntilNul(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return end < 0 ? bytes : bytes[..end];
    }

    /// <summary>The text before the first NUL (the whole span when there is none), as UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(UntilNul(bytes));

    /// <summary>The text before the first NUL, from <paramref name="runtime"/>'s cache of texts already seen (when there is a runtime).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, GadgetRuntime? runtime) => runtime is null ? Decode(bytes) : runtime.Texts.Decode(bytes);

    /// <summary><paramref name="utf8"/> (no NUL) as a string, from <paramref name="texts"/> when there is a cache.</summary>
    public static string FromUtf8(ReadOnlySpan<byte> utf8, RecordTexts? texts) => texts?.Get(utf8) ?? Encoding.UTF8.GetString(utf8);
}
