using System;
using System.Collections.Generic;
using System.Text;

namespace Gadget.Bpf.Generators.Elf;

/// <summary>
/// The parts of a 64-bit little-endian ELF relocatable object (a BPF object file) the generator needs: section headers by
/// name and the function symbols of executable sections (the BPF programs). Read from the System V ABI's ELF layout.
/// </summary>
internal sealed class ElfFile
{
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const uint SymbolTableType = 2;
    private const uint NoBitsType = 8;
    private const ulong ExecutableFlag = 4;
    private const int FunctionSymbol = 2;
    private const int GlobalBinding = 1;
    private const int BpfMachine = 247;

    private readonly byte[] _bytes;
    private readonly List<ElfSection> _sections = new();

    private ElfFile(byte[] bytes) => _bytes = bytes;

    /// <summary>The sections, in header order.</summary>
    public IReadOnlyList<ElfSection> Sections => _sections;

    /// <summary>Parses <paramref name="bytes"/>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static ElfFile Parse(byte[] bytes)
    {
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw new FormatException("not an ELF file (no \\x7fELF magic)");
        }
        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw new FormatException("not a 64-bit little-endian ELF file (BPF objects are ELF64, little-endian on x86-64 and arm64)");
        }
        var machine = ReadUInt16(bytes, 18);
        if (machine != BpfMachine)
        {
            throw new FormatException($"an ELF file for machine {machine}, not a BPF object (EM_BPF = {BpfMachine})");
        }
        var file = new ElfFile(bytes);
        var sectionOffset = ReadUInt64(bytes, 0x28);
        var count = ReadUInt16(bytes, 0x3C);
        var namesIndex = ReadUInt16(bytes, 0x3E);
        if (ReadUInt16(bytes, 0x3A) != SectionHeaderSize || sectionOffset + (ulong)(count * SectionHeaderSize) > (ulong)bytes.Length || namesIndex >= count)
        {
            throw new FormatException("truncated or corrupt ELF section headers");
        }
        var headers = new (uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link)[count];
        for (var i = 0; i < count; i++)
        {
            var at = (int)sectionOffset + (i * SectionHeaderSize);
            headers[i] = (ReadUInt32(bytes, at), ReadUInt32(bytes, at + 4), ReadUInt64(bytes, at + 8), ReadUInt64(bytes, at + 24), ReadUInt64(bytes, at + 32), ReadUInt32(bytes, at + 40));
        }
        var names = headers[namesIndex];
        for (var i = 0; i < count; i++)
        {
            var h = headers[i];
            if (h.Type != NoBitsType && h.Offset + h.Size > (ulong)bytes.Length)
            {
                throw new FormatException($"section {i} runs past the end of the file");
            }
            var name = ReadString(bytes, (int)names.Offset + (int)h.Name, (int)(names.Offset + names.Size));
            file._sections.Add(new ElfSection(i, name, h.Type, h.Flags, (int)h.Offset, (int)h.Size, h.Link));
        }
        return file;
    }

    /// <summary>The first section called <paramref name="name"/>, or null.</summary>
    public ElfSection? Section(string name)
    {
        foreach (var section in _sections)
        {
            if (section.Name == name)
            {
                return section;
            }
        }
        return null;
    }

    /// <summary>A copy of a section's bytes (empty for a section without file contents, such as .bss).</summary>
    public byte[] Contents(ElfSection section)
    {
        if (section.Type == NoBitsType)
        {
            return new byte[0];
        }
        var copy = new byte[section.Size];
        Buffer.BlockCopy(_bytes, section.Offset, copy, 0, section.Size);
        return copy;
    }

    /// <summary>
    /// The BPF programs: global function symbols in executable sections other than <c>.text</c> (which holds subprograms),
    /// as libbpf finds them, with their section names, in symbol table order.
    /// </summary>
    public IReadOnlyList<(string Name, string Section)> Programs()
    {
        var programs = new List<(string, string)>();
        foreach (var table in _sections)
        {
            if (table.Type != SymbolTableType || table.Link >= _sections.Count)
            {
                continue;
            }
            var strings = _sections[(int)table.Link];
            for (var at = table.Offset; at + SymbolSize <= table.Offset + table.Size; at += SymbolSize)
            {
                var info = _bytes[at + 4];
                var index = ReadUInt16(_bytes, at + 6);
                if ((info & 0xf) != FunctionSymbol || (info >> 4) != GlobalBinding || index == 0 || index >= _sections.Count)
                {
                    continue;
                }
                var section = _sections[index];
                if ((section.Flags & ExecutableFlag) == 0 || section.Name == ".text")
                {
                    continue;
                }
                programs.Add((ReadString(_bytes, strings.Offset + (int)ReadUInt32(_bytes, at), strings.Offset + strings.Size), section.Name));
            }
        }
        return programs;
    }

    internal static ushort ReadUInt16(byte[] b, int at) => (ushort)(b[at] | (b[at + 1] << 8));

    internal static uint ReadUInt32(byte[] b, int at) => (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

    internal static ulong ReadUInt64(byte[] b, int at) => ReadUInt32(b, at) | ((ulong)ReadUInt32(b, at + 4) << 32);

    internal static string ReadString(byte[] b, int at, int end)
    {
        if (at < 0 || at >= end || end > b.Length)
        {
            throw new FormatException("a name points outside its string table");
        }
        var stop = at;
        while (stop < end && b[stop] != 0)
        {
            stop++;
        }
        return Encoding.UTF8.GetString(b, at, stop - at);
    }
}
