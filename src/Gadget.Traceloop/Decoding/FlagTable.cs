using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Named constants of one kind (strace's "xlat"), printed as strace prints them.</summary>
internal sealed class FlagTable
{
    private readonly (ulong Value, string Name)[] entries;

    /// <summary>Creates a table; for flag sets, entries are matched in the given order and their bits cleared.</summary>
    /// <param name="unknownComment">How strace names an unknown value of this kind (e.g. <c>AF_???</c>), or <c>null</c> to print unknown values plainly.</param>
    /// <param name="entries">(value, name) pairs.</param>
    public FlagTable(string? unknownComment, params (ulong Value, string Name)[] entries)
    {
        UnknownComment = unknownComment;
        this.entries = entries;
    }

    /// <summary>strace's placeholder for unknown values (<c>SEEK_???</c>), or <c>null</c>.</summary>
    public string? UnknownComment { get; }

    /// <summary>The name of exactly <paramref name="value"/>, or <c>null</c>.</summary>
    public string? Lookup(ulong value)
    {
        foreach (var (v, name) in entries)
        {
            if (v == value)
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>Writes <paramref name="value"/> as one constant: its name, or hex with strace's <c>/* X_??? */</c> comment.</summary>
    public void AppendValue(StringBuilder destination, ulong value)
    {
        if (Lookup(value) is { } name)
        {
            destination.Append(name);
        }
        else
        {
            StraceText.AppendHex(destination, value);
            if (UnknownComment is not null)
            {
                destination.Append(" /* ").Append(UnknownComment).Append(" */");
            }
        }
    }

    /// <summary>Writes <paramref name="value"/> as flags joined by <c>|</c>, leftover bits in hex; <paramref name="zeroName"/> (or <c>0</c>) when nothing is set.</summary>
    public void AppendFlags(StringBuilder destination, ulong value, string? zeroName = null, bool separatorFirst = false)
    {
        if (value == 0)
        {
            if (!separatorFirst)
            {
                destination.Append(zeroName ?? "0");
            }
            return;
        }
        bool first = !separatorFirst;
        foreach (var (v, name) in entries)
        {
            if (v != 0 && (value & v) == v)
            {
                if (!first)
                {
                    destination.Append('|');
                }
                destination.Append(name);
                first = false;
                value &= ~v;
            }
        }
        if (value != 0)
        {
            if (!first)
            {
                destination.Append('|');
            }
            StraceText.AppendHex(destination, value);
        }
    }

    /// <summary>Like <see cref="AppendFlags"/>, but a value with no known bit at all is <c>0x5 /* O_??? */</c>.</summary>
    public void AppendKnownFlags(StringBuilder destination, uint value, bool separatorFirst)
    {
        uint known = 0;
        for (int bit = 0; bit < 32; bit++)
        {
            uint mask = 1u << bit;
            if ((value & mask) != 0 && Lookup(mask) is not null)
            {
                known |= mask;
            }
        }
        if (value != 0 && known == 0)
        {
            if (separatorFirst)
            {
                destination.Append('|');
            }
            StraceText.AppendHex(destination, value);
            destination.Append(" /* ").Append(UnknownComment).Append(" */");
            return;
        }
        AppendFlags(destination, value, separatorFirst: separatorFirst);
    }
}
