using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Gadget.Gadgets.Symbols;

/// <summary>
/// The function symbols of a 64-bit little-endian ELF file (an executable or shared library: x86-64, arm64) from its
/// <c>.symtab</c> and <c>.dynsym</c>, and its <c>PT_LOAD</c> segments, which turn an offset in the file (what
/// <c>/proc/PID/maps</c> gives for a mapped address) into the virtual address the symbols are at. Only the headers,
/// the symbol tables and their string tables are read.
/// </summary>
internal sealed class ElfSymbols
{
    private const int HeaderSize = 64;
    private const uint PtLoad = 1;
    private const uint ShtSymtab = 2;
    private const uint ShtDynsym = 11;
    private const int SttFunc = 2;
    private const int SttGnuIfunc = 10;
    private const int SymbolSize = 24;
    private const long MaxTableSize = 256L << 20;

    // A process maps any file it likes, and its symbols are read by root: what one file may cost is bounded. No real
    // program comes near (a large unstripped one has a few hundred thousand functions, names of a few hundred bytes).
    private const int MaxSymbols = 1 << 22;
    private const int MaxNameLength = 4096;
    private const long MaxNameCharacters = 64L << 20;

    private readonly SymbolTable _table;
    private readonly (ulong Offset, ulong Address, ulong Size)[] _segments;

    private ElfSymbols(SymbolTable table, (ulong, ulong, ulong)[] segments)
    {
        _table = table;
        _segments = segments;
    }

    /// <summary>The function symbols read.</summary>
    public int Count => _table.Count;

    /// <summary>Reads the file's symbols; null when it is not a 64-bit little-endian ELF file or cannot be read.</summary>
    public static ElfSymbols? Load(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Load(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the symbols of an open file; null when it is not a 64-bit little-endian ELF file or cannot be read.</summary>
    public static ElfSymbols? Load(SafeFileHandle handle)
    {
        try
        {
            var length = RandomAccess.GetLength(handle);
            return Parse((offset, count) => ReadAt(handle, length, offset, count));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Parses an ELF file held in memory (tests); null when it is not a 64-bit little-endian ELF file.</summary>
    public static ElfSymbols? Parse(byte[] file) =>
        Parse((offset, count) => offset < 0 || count < 0 || offset > file.Length - count ? null : file.AsSpan((int)offset, count).ToArray());

    /// <summary>The symbol's name for a file offset of a mapped address, or null.</summary>
    public string? FindByFileOffset(ulong offset)
    {
        foreach (var (start, address, size) in _segments)
        {
            if (offset >= start && offset - start < size)
            {
                return _table.Find(offset - start + address);
            }
        }
        return null;
    }

    /// <summary>The function holding the virtual address <paramref name="address"/>, or null.</summary>
    public string? Find(ulong address) => _table.Find(address);

    private static byte[]? ReadAt(SafeFileHandle handle, long length, long offset, int count)
    {
        if (offset < 0 || count < 0 || offset > length - count)
        {
            return null;
        }
        var buffer = new byte[count];
        var done = 0;
        while (done < count)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (read <= 0)
            {
                return null;
            }
            done += read;
        }
        return buffer;
    }

    private static ElfSymbols? Parse(Func<long, int, byte[]?> read)
    {
        var header = read(0, HeaderSize);
        if (header is null || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F'
            || header[4] != 2 /* ELFCLASS64 */ || header[5] != 1 /* ELFDATA2LSB */)
        {
            return null;
        }
        var h = header.AsSpan();
        var phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x20..]);
        var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x28..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(h[0x36..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(h[0x38..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(h[0x3a..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(h[0x3c..]);

        var segments = new List<(ulong, ulong, ulong)>();
        if (phentsize >= 56 && read(phoff, phentsize * phnum) is { } programs)
        {
            for (var i = 0; i < phnum; i++)
            {
                var p = programs.AsSpan(i * phentsize, phentsize);
                if (BinaryPrimitives.ReadUInt32LittleEndian(p) == PtLoad)
                {
                    segments.Add((BinaryPrimitives.ReadUInt64LittleEndian(p[8..]), BinaryPrimitives.ReadUInt64LittleEndian(p[16..]), BinaryPrimitives.ReadUInt64LittleEndian(p[32..])));
                }
            }
        }

        var symbols = new List<(ulong, ulong, string)>();
        long nameCharacters = 0;
        if (shentsize >= 64 && shnum > 0 && read(shoff, shentsize * shnum) is { } sections)
        {
            // One .symtab and one .dynsym: a file naming the same table in thousands of section headers is read once.
            bool symtabRead = false, dynsymRead = false;
            for (var i = 0; i < shnum; i++)
            {
                var s = sections.AsSpan(i * shentsize, shentsize);
                var type = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);
                if (!(type == ShtSymtab && !symtabRead) && !(type == ShtDynsym && !dynsymRead))
                {
                    continue;
                }
                var link = BinaryPrimitives.ReadUInt32LittleEndian(s[40..]);
                if (link >= (uint)shnum)
                {
                    continue;
                }
                symtabRead |= type == ShtSymtab;
                dynsymRead |= type == ShtDynsym;
                var strings = sections.AsSpan((int)link * shentsize, shentsize);
                ReadSymbols(read, BinaryPrimitives.ReadUInt64LittleEndian(s[24..]), BinaryPrimitives.ReadUInt64LittleEndian(s[32..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(strings[24..]), BinaryPrimitives.ReadUInt64LittleEndian(strings[32..]), symbols, ref nameCharacters);
            }
        }
        return new ElfSymbols(new SymbolTable(symbols), [.. segments]);
    }

    private static void ReadSymbols(Func<long, int, byte[]?> read, ulong offset, ulong size, ulong stringsOffset, ulong stringsSize,
        List<(ulong, ulong, string)> symbols, ref long nameCharacters)
    {
        if (size > MaxTableSize || stringsSize > MaxTableSize
            || read((long)offset, (int)size) is not { } table || read((long)stringsOffset, (int)stringsSize) is not { } names)
        {
            return;
        }
        for (var at = 0; at + SymbolSize <= table.Length && symbols.Count < MaxSymbols && nameCharacters < MaxNameCharacters; at += SymbolSize)
        {
            var entry = table.AsSpan(at, SymbolSize);
            var kind = entry[4] & 0xf;
            var section = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            if (kind is not (SttFunc or SttGnuIfunc) || section == 0 || value == 0)
            {
                continue;
            }
            var name = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry);
            if (name <= 0 || name >= names.Length)
            {
                continue;
            }
            var text = names.AsSpan(name);
            var end = text[..Math.Min(text.Length, MaxNameLength + 1)].IndexOf((byte)0);
            if (end <= 0)
            {
                continue; // empty, or longer than any real name
            }
            nameCharacters += end;
            symbols.Add((value, BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]), Encoding.UTF8.GetString(names, name, end)));
        }
    }
}
