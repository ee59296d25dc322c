using System.Buffers.Binary;
using System.Text;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Builds small 64-bit little-endian ELF files in memory for the symbol reader's tests: a string table, one symbol table
/// of function symbols, and as many section headers naming that symbol table as asked (a real file has one), each linked
/// to the string table unless another link is given.
/// </summary>
internal static class ElfImage
{
    private const int HeaderSize = 64, SectionHeaderSize = 64, SymbolSize = 24;
    private const uint ShtSymtab = 2, ShtStrtab = 3;

    /// <summary>A function symbol: its name's offset in the string table, its address and size.</summary>
    public readonly record struct Function(uint NameOffset, ulong Address, ulong Size);

    /// <summary>The string table holding <paramref name="names"/> (a leading NUL, each name NUL-terminated) and their offsets.</summary>
    public static (byte[] Table, uint[] Offsets) Strings(IEnumerable<string> names)
    {
        var table = new List<byte> { 0 };
        var offsets = new List<uint>();
        foreach (var name in names)
        {
            offsets.Add((uint)table.Count);
            table.AddRange(Encoding.UTF8.GetBytes(name));
            table.Add(0);
        }
        return ([.. table], [.. offsets]);
    }

    /// <summary>The file: [header][string table][symbol table][section headers: null, strtab, symtab x <paramref name="symbolTableHeaders"/>].</summary>
    public static byte[] Build(byte[] strings, IReadOnlyList<Function> functions, int symbolTableHeaders = 1, uint? link = null)
    {
        var stringsOffset = HeaderSize;
        var symbolsOffset = stringsOffset + strings.Length;
        var symbolsSize = functions.Count * SymbolSize;
        var sectionsOffset = symbolsOffset + symbolsSize;
        var sectionCount = 2 + symbolTableHeaders;
        var file = new byte[sectionsOffset + sectionCount * SectionHeaderSize];
        var span = file.AsSpan();

        "\u007fELF"u8.CopyTo(span);
        span[4] = 2; // ELFCLASS64
        span[5] = 1; // ELFDATA2LSB
        span[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 62); // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[0x28..], (ulong)sectionsOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x3a..], SectionHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x3c..], checked((ushort)sectionCount));

        strings.CopyTo(span[stringsOffset..]);
        for (var i = 0; i < functions.Count; i++)
        {
            var symbol = span.Slice(symbolsOffset + i * SymbolSize, SymbolSize);
            BinaryPrimitives.WriteUInt32LittleEndian(symbol, functions[i].NameOffset);
            symbol[4] = 0x12; // STB_GLOBAL, STT_FUNC
            BinaryPrimitives.WriteUInt16LittleEndian(symbol[6..], 1); // a section index that is not SHN_UNDEF
            BinaryPrimitives.WriteUInt64LittleEndian(symbol[8..], functions[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(symbol[16..], functions[i].Size);
        }

        var strtab = span.Slice(sectionsOffset + SectionHeaderSize, SectionHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(strtab[4..], ShtStrtab);
        BinaryPrimitives.WriteUInt64LittleEndian(strtab[24..], (ulong)stringsOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(strtab[32..], (ulong)strings.Length);
        for (var i = 0; i < symbolTableHeaders; i++)
        {
            var symtab = span.Slice(sectionsOffset + (2 + i) * SectionHeaderSize, SectionHeaderSize);
            BinaryPrimitives.WriteUInt32LittleEndian(symtab[4..], ShtSymtab);
            BinaryPrimitives.WriteUInt64LittleEndian(symtab[24..], (ulong)symbolsOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(symtab[32..], (ulong)symbolsSize);
            BinaryPrimitives.WriteUInt32LittleEndian(symtab[40..], link ?? 1);
            BinaryPrimitives.WriteUInt64LittleEndian(symtab[56..], SymbolSize);
        }
        return file;
    }
}
