using System.Collections.Generic;

namespace Gadget.Bpf.Generators.Btf;

/// <summary>
/// One BTF type: the common header (name, kind, kind_flag, vlen, size or type) and the data its kind appends. Which
/// properties mean something depends on <see cref="Kind"/>.
/// </summary>
internal sealed class BtfType
{
    public BtfType(uint id, BtfKind kind, string name, bool kindFlag, int vlen, uint sizeOrType)
    {
        Id = id;
        Kind = kind;
        Name = name;
        KindFlag = kindFlag;
        Vlen = vlen;
        SizeOrType = sizeOrType;
    }

    public uint Id { get; }

    public BtfKind Kind { get; }

    /// <summary>The name; empty for an anonymous type.</summary>
    public string Name { get; }

    /// <summary>STRUCT/UNION: members carry bitfield sizes; ENUM/ENUM64: signed; FWD: a union.</summary>
    public bool KindFlag { get; }

    /// <summary>The count of members, enumerators, parameters or section variables; a FUNC's linkage.</summary>
    public int Vlen { get; }

    /// <summary>The size in bytes (INT, ENUM, STRUCT, UNION, DATASEC, FLOAT) or the referred type id (the others).</summary>
    public uint SizeOrType { get; }

    /// <summary>INT: BTF_INT_SIGNED (1), BTF_INT_CHAR (2), BTF_INT_BOOL (4).</summary>
    public int IntEncoding { get; set; }

    /// <summary>INT: the value's bit offset (0 for every int clang emits).</summary>
    public int IntBitOffset { get; set; }

    /// <summary>INT: the value's width in bits.</summary>
    public int IntBits { get; set; }

    /// <summary>ARRAY: the element type.</summary>
    public uint ArrayElement { get; set; }

    /// <summary>ARRAY: the index type.</summary>
    public uint ArrayIndex { get; set; }

    /// <summary>ARRAY: the number of elements (0 for a flexible array member).</summary>
    public uint ArrayLength { get; set; }

    /// <summary>VAR: 0 static, 1 global (allocated), 2 extern.</summary>
    public uint VariableLinkage { get; set; }

    /// <summary>DECL_TAG: -1 for the type itself, else the member or parameter index it tags.</summary>
    public int DeclTagComponent { get; set; }

    /// <summary>STRUCT, UNION: the members; FUNC_PROTO: the parameters (offsets 0).</summary>
    public List<BtfMember> Members { get; } = new();

    /// <summary>ENUM, ENUM64: the enumerators.</summary>
    public List<BtfEnumValue> EnumValues { get; } = new();

    /// <summary>DATASEC: the variables.</summary>
    public List<BtfSectionVariable> Variables { get; } = new();

    public override string ToString() => $"[{Id}] {Kind} '{Name}'";
}
