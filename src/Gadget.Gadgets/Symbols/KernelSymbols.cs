using System.Globalization;

namespace Gadget.Gadgets.Symbols;

/// <summary>
/// The kernel's function symbols from <c>/proc/kallsyms</c> ("ADDRESS TYPE NAME [MODULE]" per line): text symbols
/// (types t, T, w, W) sorted by address. When <c>kernel.kptr_restrict</c> hides the addresses from the reader (every
/// address 0: not root, or kptr_restrict=2), <see cref="AddressesHidden"/> is true and nothing resolves.
/// </summary>
internal sealed class KernelSymbols
{
    private readonly SymbolTable _table;

    private KernelSymbols(SymbolTable table, bool hidden)
    {
        _table = table;
        AddressesHidden = hidden;
    }

    /// <summary>Every address read was 0: kptr_restrict hides them from this process.</summary>
    public bool AddressesHidden { get; }

    /// <summary>The function symbols kept.</summary>
    public int Count => _table.Count;

    /// <summary>Reads <c>/proc/kallsyms</c>.</summary>
    public static KernelSymbols Load(string path = "/proc/kallsyms")
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    /// <summary>Parses kallsyms text.</summary>
    public static KernelSymbols Parse(TextReader reader)
    {
        var symbols = new List<(ulong, ulong, string)>();
        var any = false;
        var nonZero = false;
        while (reader.ReadLine() is { } line)
        {
            var span = line.AsSpan();
            var first = span.IndexOf(' ');
            if (first <= 0 || span.Length < first + 4 || span[first + 2] != ' ')
            {
                continue;
            }
            if (!ulong.TryParse(span[..first], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
            {
                continue;
            }
            any = true;
            if (address == 0)
            {
                continue;
            }
            nonZero = true;
            if (span[first + 1] is not ('t' or 'T' or 'w' or 'W'))
            {
                continue;
            }
            var name = span[(first + 3)..];
            var tab = name.IndexOfAny('\t', ' ');
            if (tab >= 0)
            {
                name = name[..tab]; // the module's "[name]" follows
            }
            symbols.Add((address, 0, name.ToString()));
        }
        return new KernelSymbols(new SymbolTable(symbols), any && !nonZero);
    }

    /// <summary>The function holding <paramref name="address"/>, or null.</summary>
    public string? Find(ulong address) => _table.Find(address);
}
