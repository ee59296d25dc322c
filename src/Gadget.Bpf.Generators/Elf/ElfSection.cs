namespace Gadget.Bpf.Generators.Elf;

/// <summary>One ELF section header: its index, name, type, flags and where its bytes are in the file.</summary>
internal sealed class ElfSection
{
    public ElfSection(int index, string name, uint type, ulong flags, int offset, int size, uint link)
    {
        Index = index;
        Name = name;
        Type = type;
        Flags = flags;
        Offset = offset;
        Size = size;
        Link = link;
    }

    public int Index { get; }

    public string Name { get; }

    public uint Type { get; }

    public ulong Flags { get; }

    public int Offset { get; }

    public int Size { get; }

    public uint Link { get; }
}
