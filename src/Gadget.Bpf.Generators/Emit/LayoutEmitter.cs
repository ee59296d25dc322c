using System.Collections.Generic;
using System.Globalization;
using Gadget.Bpf.Generators.Btf;

namespace Gadget.Bpf.Generators.Emit;

/// <summary>
/// Emits C# value types mirroring BTF structs, unions and enums: explicit layout with the BTF size and offsets, arrays as
/// [InlineArray] structs behind span accessors, anonymous struct/union members flattened into their parent (as C reads
/// them), bitfields as properties, pointers as <c>ulong</c> (BPF pointers are 64 bits). Types are emitted on demand from
/// roots (<see cref="TypeOf"/>), and every emitted member is checked against the type's BTF size.
/// </summary>
internal sealed class LayoutEmitter
{
    private readonly BtfData _btf;
    private readonly string _namespace;
    private readonly string _visibility;
    private readonly string _objectName;
    private readonly Dictionary<uint, string> _names = new();
    private readonly HashSet<string> _takenNames;
    private readonly Queue<(uint Id, string Name)> _pending = new();
    private string _owner = string.Empty;

    public LayoutEmitter(BtfData btf, string @namespace, string visibility, string objectName, HashSet<string> takenNames)
    {
        _btf = btf;
        _namespace = @namespace;
        _visibility = visibility;
        _objectName = objectName;
        _takenNames = takenNames;
    }

    public List<GeneratedType> Types { get; } = new();

    public List<LayoutProblem> Problems { get; } = new();

    /// <summary>
    /// The C# type of a value of BTF type <paramref name="id"/>: a keyword for scalars, a generated type for structs, unions
    /// and enums (queued for emission, named after the C tag, else the typedef, else <paramref name="nameHint"/>), an
    /// inline array for arrays (declared into <paramref name="nested"/> when given, else as a top-level type). Null when
    /// the type cannot be expressed (a problem is recorded).
    /// </summary>
    public string? TypeOf(uint id, string nameHint, CodeWriter? nested, string where)
    {
        string? typedefName = null;
        var type = _btf[id];
        while (BtfData.IsAlias(type.Kind))
        {
            if (type.Kind == BtfKind.Typedef && typedefName is null)
            {
                typedefName = type.Name;
            }
            type = _btf[type.SizeOrType];
        }
        switch (type.Kind)
        {
            case BtfKind.Int:
                return IntType(type, where);
            case BtfKind.Pointer:
                return "ulong";
            case BtfKind.Float:
                return type.SizeOrType switch { 2 => "global::System.Half", 4 => "float", 8 => "double", _ => Unexpressible(where, $"a {type.SizeOrType}-byte float") };
            case BtfKind.Struct:
            case BtfKind.Union:
            case BtfKind.Enum:
            case BtfKind.Enum64:
                return NameOf(type, typedefName, nameHint);
            case BtfKind.Array:
                return ArrayType(type, nameHint, nested, where);
            case BtfKind.Forward:
                return Unexpressible(where, $"'{type.Name}' is only declared (BTF FWD): its layout is not in the object; use it through a pointer or define it");
            case BtfKind.Void:
                return Unexpressible(where, "void has no layout");
            default:
                return Unexpressible(where, $"a {type.Kind} has no value layout");
        }
    }

    /// <summary>Emits every queued type (and those they queue in turn).</summary>
    public void EmitPending()
    {
        while (_pending.Count > 0)
        {
            var (id, name) = _pending.Dequeue();
            var type = _btf[id];
            Types.Add(type.Kind is BtfKind.Enum or BtfKind.Enum64 ? EmitEnum(type, name) : EmitStruct(type, name));
        }
    }

    private string NameOf(BtfType type, string? typedefName, string nameHint)
    {
        if (_names.TryGetValue(type.Id, out var known))
        {
            return known;
        }
        var wanted = type.Name.Length > 0 ? CSharpNames.Pascal(type.Name) : typedefName is { Length: > 0 } ? CSharpNames.Pascal(typedefName) : _owner + nameHint;
        var name = CSharpNames.Unique(wanted, _takenNames);
        _names[type.Id] = name;
        _pending.Enqueue((type.Id, name));
        return name;
    }

    private string? IntType(BtfType type, string where)
    {
        // C's char is signed on BPF, but char arrays are text: bytes in C#, as UTF-8 decoding wants them.
        var signed = (type.IntEncoding & 1) != 0 && type.Name != "char";
        return type.SizeOrType switch
        {
            1 => signed ? "sbyte" : "byte",
            2 => signed ? "short" : "ushort",
            4 => signed ? "int" : "uint",
            8 => signed ? "long" : "ulong",
            16 => signed ? "global::System.Int128" : "global::System.UInt128",
            _ => Unexpressible(where, $"a {type.SizeOrType}-byte integer"),
        };
    }

    private string? ArrayType(BtfType array, string nameHint, CodeWriter? nested, string where)
    {
        var element = TypeOf(array.ArrayElement, nameHint + "Element", nested, where);
        if (element is null)
        {
            return null;
        }
        if (array.ArrayLength == 0)
        {
            return Unexpressible(where, "a zero-length array in this position");
        }
        var name = nameHint + "Array";
        var writer = nested ?? new CodeWriter();
        if (nested is null)
        {
            name = CSharpNames.Unique(name, _takenNames);
            Header(writer);
        }
        writer.Line($"/// <summary>{array.ArrayLength} × <see cref=\"{CSharpNames.Xml(element)}\"/>, contiguous (a C array): convert it to a span.</summary>");
        writer.Line($"[global::System.Runtime.CompilerServices.InlineArray({array.ArrayLength})]");
        writer.Open($"{(nested is null ? _visibility : "public")} struct {name}");
        writer.Line($"private {element} _element0;");
        writer.Close();
        if (nested is null)
        {
            Types.Add(new GeneratedType(name, "array", writer.ToString()));
        }
        return name;
    }

    private string? Unexpressible(string where, string why)
    {
        Problems.Add(new LayoutProblem(true, $"{where}: cannot be expressed in C#: {why}"));
        return null;
    }

    private void Header(CodeWriter writer)
    {
        writer.Line("// <auto-generated/> by Gadget.Bpf.Generators from the BTF of " + _objectName + ": do not edit.");
        writer.Line("#nullable enable");
        writer.Line("#pragma warning disable CS1591, CS0649");
        writer.Line($"namespace {_namespace};");
        writer.Line();
    }

    private GeneratedType EmitEnum(BtfType type, string name)
    {
        var signed = type.KindFlag;
        var underlying = type.SizeOrType switch
        {
            1 => signed ? "sbyte" : "byte",
            2 => signed ? "short" : "ushort",
            8 => signed ? "long" : "ulong",
            _ => signed ? "int" : "uint",
        };
        var writer = new CodeWriter();
        var cName = "enum " + (type.Name.Length > 0 ? type.Name : "(anonymous)");
        Header(writer);
        writer.Line($"/// <summary><c>{CSharpNames.Xml(cName)}</c> of {CSharpNames.Xml(_objectName)} ({type.SizeOrType} bytes).</summary>");
        writer.Open($"{_visibility} enum {name} : {underlying}");
        var taken = new HashSet<string>();
        foreach (var value in type.EnumValues)
        {
            var text = FormatEnumValue(value.Value, (int)type.SizeOrType, signed);
            writer.Line($"/// <summary><c>{CSharpNames.Xml(value.Name)}</c></summary>");
            writer.Line($"{CSharpNames.Identifier(CSharpNames.Unique(CSharpNames.Pascal(value.Name), taken))} = {text},");
        }
        writer.Close();
        return new GeneratedType(name, cName, writer.ToString());
    }

    private static string FormatEnumValue(long value, int size, bool signed)
    {
        var bits = size >= 8 ? 64 : size * 8;
        if (signed)
        {
            var shift = 64 - bits;
            var extended = (value << shift) >> shift;
            return extended.ToString(CultureInfo.InvariantCulture);
        }
        var mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        return ((ulong)value & mask).ToString(CultureInfo.InvariantCulture);
    }

    private GeneratedType EmitStruct(BtfType type, string name)
    {
        var kind = type.Kind == BtfKind.Union ? "union" : "struct";
        var cName = kind + " " + (type.Name.Length > 0 ? type.Name : "(anonymous)");
        var size = type.SizeOrType;
        var members = new List<FlatMember>();
        Flatten(type, 0, members, 0);
        _owner = name;

        var body = new CodeWriter();
        var nested = new CodeWriter();
        var offsets = new CodeWriter();
        // The size constant and the offsets class are Size and Offsets unless a member or the type has that name.
        var memberNames = new HashSet<string>();
        foreach (var member in members)
        {
            memberNames.Add(CSharpNames.Pascal(member.Name));
        }
        var sizeName = memberNames.Contains("Size") || name == "Size" ? "StructSize" : "Size";
        var offsetsName = memberNames.Contains("Offsets") || name == "Offsets" ? "MemberOffsets" : "Offsets";
        var taken = new HashSet<string> { name, sizeName, offsetsName };
        var hasBitfields = false;
        foreach (var member in members)
        {
            var where = $"{cName}.{member.Name} in {_objectName}";
            var fieldName = CSharpNames.Unique(CSharpNames.Pascal(member.Name), taken);
            var resolved = _btf.Resolve(member.Type);
            if (resolved.Kind == BtfKind.Array && resolved.ArrayLength == 0)
            {
                // A flexible array member (char data[]): no field (a C# struct has a fixed size); its offset is where the
                // variable-length data starts in a record (the struct's size may include padding before it).
                var elementType = TypeOf(resolved.ArrayElement, fieldName + "Element", nested, where);
                Problems.Add(new LayoutProblem(false, $"{where}: a flexible array member has no C# field; {name}.{offsetsName}.{fieldName} is where its data starts in a record"));
                offsets.Line($"/// <summary>Where the flexible array member <c>{CSharpNames.Xml(member.Name)}[]</c> ({CSharpNames.Xml(elementType ?? "?")} elements) starts.</summary>");
                offsets.Line($"public const int {fieldName} = {member.BitOffset / 8};");
                continue;
            }
            if (member.BitSize > 0)
            {
                hasBitfields = true;
                EmitBitfield(body, member, fieldName, where, nested, size);
                continue;
            }
            if (member.BitOffset % 8 != 0)
            {
                Problems.Add(new LayoutProblem(true, $"{where}: not at a byte offset (bit {member.BitOffset}) and not a bitfield"));
                continue;
            }
            var csType = TypeOf(member.Type, fieldName, nested, where);
            if (csType is null)
            {
                continue;
            }
            var offset = member.BitOffset / 8;
            var memberSize = _btf.SizeOf(member.Type);
            if (offset + memberSize > size)
            {
                Problems.Add(new LayoutProblem(true, $"{where}: bytes {offset}..{offset + memberSize} run past the {size}-byte {kind}"));
                continue;
            }
            body.Line($"/// <summary><c>{CSharpNames.Xml(member.Name)}</c> at byte {offset} ({memberSize} bytes).</summary>");
            if (resolved.Kind == BtfKind.Array)
            {
                var elementType = ArrayElementType(resolved, fieldName, nested, where);
                body.Line($"[global::System.Runtime.InteropServices.FieldOffset({offset})]");
                body.Line($"private {csType} _{char.ToLowerInvariant(fieldName[0])}{fieldName.Substring(1)};");
                body.Line($"/// <summary><c>{CSharpNames.Xml(member.Name)}</c> as a span of its {resolved.ArrayLength} elements.</summary>");
                body.Line($"[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
                body.Line($"public global::System.Span<{elementType}> {fieldName} => _{char.ToLowerInvariant(fieldName[0])}{fieldName.Substring(1)};");
            }
            else
            {
                body.Line($"[global::System.Runtime.InteropServices.FieldOffset({offset})]");
                body.Line($"public {csType} {CSharpNames.Identifier(fieldName)};");
            }
            offsets.Line($"/// <summary>offsetof({CSharpNames.Xml(cName)}, {CSharpNames.Xml(member.Name)})</summary>");
            offsets.Line($"public const int {fieldName} = {offset};");
        }

        var writer = new CodeWriter();
        Header(writer);
        writer.Line($"/// <summary><c>{CSharpNames.Xml(cName)}</c> of {CSharpNames.Xml(_objectName)}: {size} bytes, laid out as its BTF says.</summary>");
        writer.Line($"[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Explicit, Size = {size})]");
        writer.Open($"{_visibility} partial struct {name}");
        writer.Line($"/// <summary>sizeof({CSharpNames.Xml(cName)}) in the object's BTF.</summary>");
        writer.Line($"public const int {sizeName} = {size};");
        writer.Line();
        foreach (var line in body.ToString().Split('\n'))
        {
            if (line.Length > 0)
            {
                writer.Line(line);
            }
        }
        writer.Line();
        writer.Line("/// <summary>The byte offsets of the members, as in C (offsetof).</summary>");
        writer.Open($"public static class {offsetsName}");
        foreach (var line in offsets.ToString().Split('\n'))
        {
            if (line.Length > 0)
            {
                writer.Line(line);
            }
        }
        writer.Close();
        foreach (var line in nested.ToString().Split('\n'))
        {
            if (line.Length > 0)
            {
                writer.Line(line);
            }
        }
        if (hasBitfields)
        {
            BitHelpersEmitter.Emit(writer);
        }
        writer.Close();
        _owner = string.Empty;
        return new GeneratedType(name, cName, writer.ToString());
    }

    private string ArrayElementType(BtfType array, string fieldName, CodeWriter nested, string where)
    {
        // The element type was generated already by TypeOf (same hint): ask again for its name only.
        var elementId = array.ArrayElement;
        var element = _btf.Resolve(elementId);
        if (element.Kind == BtfKind.Array)
        {
            return fieldName + "ElementArray";
        }
        return TypeOf(elementId, fieldName + "Element", nested, where) ?? "byte";
    }

    /// <summary>Members with offsets from the outermost struct; anonymous struct/union members are flattened.</summary>
    private void Flatten(BtfType type, uint baseBits, List<FlatMember> into, int depth)
    {
        foreach (var member in type.Members)
        {
            var resolved = _btf.Resolve(member.Type);
            if (member.Name.Length == 0 && resolved.Kind is BtfKind.Struct or BtfKind.Union && depth < 16)
            {
                Flatten(resolved, baseBits + member.BitOffset, into, depth + 1);
                continue;
            }
            var bitSize = member.BitSize;
            if (bitSize == 0 && !type.KindFlag && resolved.Kind == BtfKind.Int && (resolved.IntBits != resolved.SizeOrType * 8 || resolved.IntBitOffset != 0))
            {
                // The encoding without kind_flag: the INT type itself carries the bitfield's width and offset.
                bitSize = (uint)resolved.IntBits;
            }
            var name = member.Name.Length > 0 ? member.Name : "unnamed" + into.Count;
            into.Add(new FlatMember(name, member.Type, baseBits + member.BitOffset + (uint)(bitSize > 0 && member.BitSize == 0 ? resolved.IntBitOffset : 0), bitSize));
        }
    }

    private void EmitBitfield(CodeWriter body, FlatMember member, string name, string where, CodeWriter nested, uint structSize)
    {
        var resolved = _btf.Resolve(member.Type);
        var csType = TypeOf(member.Type, name, nested, where);
        if (csType is null)
        {
            return;
        }
        if (member.BitSize > 64 || (member.BitOffset + member.BitSize + 7) / 8 > structSize)
        {
            Problems.Add(new LayoutProblem(true, $"{where}: bitfield of {member.BitSize} bits at bit {member.BitOffset} does not fit"));
            return;
        }
        var signed = (resolved.Kind == BtfKind.Int && (resolved.IntEncoding & 1) != 0) || (resolved.Kind is BtfKind.Enum or BtfKind.Enum64 && resolved.KindFlag);
        body.Line($"/// <summary><c>{CSharpNames.Xml(member.Name)}</c>: a bitfield of {member.BitSize} bits at bit {member.BitOffset}.</summary>");
        body.Open($"public {csType} {CSharpNames.Identifier(name)}");
        body.Line($"readonly get => ({csType})ReadBits(this, {member.BitOffset}, {member.BitSize}, {(signed ? "true" : "false")});");
        body.Line($"set => WriteBits(ref this, {member.BitOffset}, {member.BitSize}, (ulong)value);");
        body.Close();
    }
}
