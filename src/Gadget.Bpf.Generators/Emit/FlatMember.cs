namespace Gadget.Bpf.Generators.Emit;

/// <summary>A struct member with its bit offset from the outermost struct (anonymous struct/union members flattened).</summary>
internal sealed class FlatMember
{
    public FlatMember(string name, uint type, uint bitOffset, uint bitSize)
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
