using System;
using System.Collections.Generic;
using Gadget.Bpf.Generators.Elf;

namespace Gadget.Bpf.Generators.Btf;

/// <summary>
/// The BTF of an object (its <c>.BTF</c> section): header, type section and string section, parsed into types by id
/// (id 0 is void). Layout from the kernel's Documentation/bpf/btf.rst; values little-endian, as every BPF target Gadget
/// builds for is.
/// </summary>
internal sealed class BtfData
{
    private const ushort Magic = 0xeB9F;

    private readonly List<BtfType> _types = new();

    private BtfData()
    {
        _types.Add(new BtfType(0, BtfKind.Void, string.Empty, false, 0, 0));
    }

    /// <summary>The types, indexed by id (0: void).</summary>
    public IReadOnlyList<BtfType> Types => _types;

    public BtfType this[uint id] => id < (uint)_types.Count ? _types[(int)id] : throw new FormatException($"BTF type id {id} does not exist ({_types.Count - 1} types)");

    /// <summary>Parses a .BTF section; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static BtfData Parse(byte[] section)
    {
        if (section.Length < 24 || ElfFile.ReadUInt16(section, 0) != Magic)
        {
            throw new FormatException("the .BTF section has no BTF magic (0xeB9F little-endian)");
        }
        if (section[2] != 1)
        {
            throw new FormatException($"BTF version {section[2]} (this generator reads version 1)");
        }
        var headerLength = (int)ElfFile.ReadUInt32(section, 4);
        var typeOffset = headerLength + (int)ElfFile.ReadUInt32(section, 8);
        var typeLength = (int)ElfFile.ReadUInt32(section, 12);
        var stringOffset = headerLength + (int)ElfFile.ReadUInt32(section, 16);
        var stringLength = (int)ElfFile.ReadUInt32(section, 20);
        if (headerLength < 24 || typeOffset < headerLength || typeOffset + typeLength > section.Length || stringOffset + stringLength > section.Length || stringLength == 0)
        {
            throw new FormatException("the BTF header's sections run past the .BTF section");
        }
        var data = new BtfData();
        var end = typeOffset + typeLength;
        var at = typeOffset;
        string Name(uint offset) => offset == 0 ? string.Empty : ElfFile.ReadString(section, stringOffset + (int)offset, stringOffset + stringLength);
        uint U32(int offset)
        {
            if (offset + 4 > end)
            {
                throw new FormatException("a BTF type runs past the type section");
            }
            return ElfFile.ReadUInt32(section, offset);
        }

        while (at < end)
        {
            var info = U32(at + 4);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            var kindFlag = (info >> 31) != 0;
            var type = new BtfType((uint)data._types.Count, kind, Name(U32(at)), kindFlag, vlen, U32(at + 8));
            at += 12;
            switch (kind)
            {
                case BtfKind.Int:
                    var encoding = U32(at);
                    type.IntEncoding = (int)((encoding >> 24) & 0xf);
                    type.IntBitOffset = (int)((encoding >> 16) & 0xff);
                    type.IntBits = (int)(encoding & 0xff);
                    at += 4;
                    break;
                case BtfKind.Array:
                    type.ArrayElement = U32(at);
                    type.ArrayIndex = U32(at + 4);
                    type.ArrayLength = U32(at + 8);
                    at += 12;
                    break;
                case BtfKind.Struct:
                case BtfKind.Union:
                    for (var i = 0; i < vlen; i++, at += 12)
                    {
                        var offset = U32(at + 8);
                        // kind_flag: the offset's high 8 bits are the bitfield size, its low 24 bits the bit offset.
                        type.Members.Add(kindFlag
                            ? new BtfMember(Name(U32(at)), U32(at + 4), offset & 0xffffff, offset >> 24)
                            : new BtfMember(Name(U32(at)), U32(at + 4), offset, 0));
                    }
                    break;
                case BtfKind.Enum:
                    for (var i = 0; i < vlen; i++, at += 8)
                    {
                        var raw = U32(at + 4);
                        type.EnumValues.Add(new BtfEnumValue(Name(U32(at)), kindFlag ? (int)raw : raw));
                    }
                    break;
                case BtfKind.Enum64:
                    for (var i = 0; i < vlen; i++, at += 12)
                    {
                        type.EnumValues.Add(new BtfEnumValue(Name(U32(at)), (long)(U32(at + 4) | ((ulong)U32(at + 8) << 32))));
                    }
                    break;
                case BtfKind.FunctionProto:
                    for (var i = 0; i < vlen; i++, at += 8)
                    {
                        type.Members.Add(new BtfMember(Name(U32(at)), U32(at + 4), 0, 0));
                    }
                    break;
                case BtfKind.Variable:
                    type.VariableLinkage = U32(at);
                    at += 4;
                    break;
                case BtfKind.DataSection:
                    for (var i = 0; i < vlen; i++, at += 12)
                    {
                        type.Variables.Add(new BtfSectionVariable(U32(at), U32(at + 4), U32(at + 8)));
                    }
                    break;
                case BtfKind.DeclTag:
                    type.DeclTagComponent = (int)U32(at);
                    at += 4;
                    break;
                case BtfKind.Pointer:
                case BtfKind.Forward:
                case BtfKind.Typedef:
                case BtfKind.Volatile:
                case BtfKind.Const:
                case BtfKind.Restrict:
                case BtfKind.Function:
                case BtfKind.Float:
                case BtfKind.TypeTag:
                    break;
                default:
                    throw new FormatException($"BTF type {type.Id} has an unknown kind {(int)kind}");
            }
            data._types.Add(type);
        }
        return data;
    }

    /// <summary>The type behind typedefs and qualifiers (const, volatile, restrict, type tags).</summary>
    public BtfType Resolve(uint id)
    {
        var type = this[id];
        for (var hops = 0; IsAlias(type.Kind); hops++)
        {
            if (hops > 64)
            {
                throw new FormatException($"BTF type {id} is a loop of typedefs or qualifiers");
            }
            type = this[type.SizeOrType];
        }
        return type;
    }

    /// <summary>Whether a kind only names or qualifies another type.</summary>
    public static bool IsAlias(BtfKind kind) => kind is BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag;

    /// <summary>The size in bytes of a value of type <paramref name="id"/> (libbpf's btf__resolve_size).</summary>
    public long SizeOf(uint id)
    {
        var type = Resolve(id);
        return type.Kind switch
        {
            BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Float or BtfKind.DataSection => type.SizeOrType,
            BtfKind.Pointer => 8,
            BtfKind.Array => type.ArrayLength * SizeOf(type.ArrayElement),
            BtfKind.Variable => SizeOf(type.SizeOrType),
            _ => throw new FormatException($"BTF type {type} has no size"),
        };
    }

    /// <summary>The first type of <paramref name="kind"/> called <paramref name="name"/>, or null.</summary>
    public BtfType? Find(string name, BtfKind kind)
    {
        foreach (var type in _types)
        {
            if (type.Kind == kind && type.Name == name)
            {
                return type;
            }
        }
        return null;
    }
}
