namespace Gadget.Gadgets.Symbols;

/// <summary>
/// Symbols sorted by start address, looked up by binary search: the table each symbolizer (kallsyms, ELF, perf map)
/// builds once and then only reads.
/// </summary>
internal sealed class SymbolTable
{
    private readonly ulong[] _starts;
    private readonly ulong[] _sizes;
    private readonly string[] _names;

    /// <summary>Sorts <paramref name="symbols"/> by start (a size of 0: unknown, the symbol runs up to the next one).</summary>
    public SymbolTable(List<(ulong Start, ulong Size, string Name)> symbols)
    {
        symbols.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        _starts = new ulong[symbols.Count];
        _sizes = new ulong[symbols.Count];
        _names = new string[symbols.Count];
        for (var i = 0; i < symbols.Count; i++)
        {
            (_starts[i], _sizes[i], _names[i]) = symbols[i];
        }
    }

    /// <summary>How many symbols the table holds.</summary>
    public int Count => _starts.Length;

    /// <summary>
    /// The symbol whose range holds <paramref name="address"/> (the last one starting at or before it; outside it when
    /// its size is known and the address is past its end), or null.
    /// </summary>
    public string? Find(ulong address)
    {
        var index = Array.BinarySearch(_starts, address);
        if (index < 0)
        {
            index = ~index - 1; // the last start below the address
        }
        else
        {
            // Several symbols can start at one address (aliases): the table keeps the first of them, as sorted.
            while (index > 0 && _starts[index - 1] == address)
            {
                index--;
            }
        }
        if (index < 0)
        {
            return null;
        }
        var size = _sizes[index];
        return size != 0 && address - _starts[index] >= size ? null : _names[index];
    }
}
