namespace Gadget.Bpf.Generators.Btf;

/// <summary>
/// A struct or union member (or, with <see cref="BitSize"/> 0 and <see cref="BitOffset"/> 0, a function parameter): its
/// name, type, offset in bits and, for a bitfield, its size in bits (0 when it is not a bitfield).
/// </summary>
internal sealed class BtfMember
{
    public BtfMember(string name, uint type, uint bitOffset, uint bitSize)
    {
        Name = name;
        Type = type;
        BitOffset = bitOffset;
        BitSize = bitSize;
    }

    public string Name { get; }

    public uint Type { get; }

    public uint BitOffset { get; }

    public uint BitSize { get; }
}
