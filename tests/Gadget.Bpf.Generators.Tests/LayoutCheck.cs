using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Bpf.Generators.Emit;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>Compares the generated C# structs of a run with bpftool's BTF: the runtime size and every member's offset.</summary>
internal static class LayoutCheck
{
    /// <summary>Checks every named struct/union of the object that has a generated type; returns how many were checked.</summary>
    public static int CompareAll(GeneratorRun run, BpftoolBtf btf)
    {
        var generated = run.Assembly!.GetTypes().Where(t => t.Namespace == "Generated.Test" && !t.IsNested).ToDictionary(t => t.Name);
        var checkedTypes = 0;
        foreach (var type in btf.Types.Values)
        {
            if (type.Kind is not ("STRUCT" or "UNION") || type.Name.Length == 0 || !generated.TryGetValue(CSharpNames.Pascal(type.Name), out var csType))
            {
                continue;
            }
            Compare(csType, type, btf);
            checkedTypes++;
        }
        return checkedTypes;
    }

    public static void Compare(Type csType, BpftoolType type, BpftoolBtf btf)
    {
        var size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(csType).Invoke(null, null)!;
        Assert.True(type.Size == size, $"{csType.Name}: C# size {size}, BTF size {type.Size}");
        // Size and Offsets, or StructSize and MemberOffsets when a member has one of those names.
        var sizeConstant = csType.GetField("Size") is { IsLiteral: true } s ? s : csType.GetField("StructSize")!;
        Assert.Equal(type.Size, (int)sizeConstant.GetRawConstantValue()!);
        var offsets = csType.GetNestedType("Offsets") ?? csType.GetNestedType("MemberOffsets")!;
        CompareMembers(csType, offsets, type, btf, 0);
    }

    private static void CompareMembers(Type csType, Type offsets, BpftoolType type, BpftoolBtf btf, int baseBits)
    {
        foreach (var member in type.Members)
        {
            var target = btf.Resolve(member.Type);
            var bits = baseBits + member.BitOffset;
            if (member.Name.Length == 0 && target.Kind is "STRUCT" or "UNION")
            {
                CompareMembers(csType, offsets, target, btf, bits);
                continue;
            }
            var name = CSharpNames.Pascal(member.Name);
            if (member.BitfieldSize > 0)
            {
                Assert.True(csType.GetProperty(name) is not null, $"{csType.Name}.{name}: no bitfield property");
                continue;
            }
            var constant = offsets.GetField(name);
            Assert.True(constant is not null, $"{csType.Name}.Offsets.{name} missing");
            Assert.True(bits / 8 == (int)constant!.GetRawConstantValue()!, $"{csType.Name}.{name}: offset {constant.GetRawConstantValue()}, BTF {bits / 8}");
            if (target.Kind == "ARRAY" && target.Elements == 0)
            {
                continue;
            }
            var field = target.Kind == "ARRAY"
                ? csType.GetField("_" + char.ToLowerInvariant(name[0]) + name[1..], BindingFlags.NonPublic | BindingFlags.Instance)
                : csType.GetField(name);
            Assert.True(field is not null, $"{csType.Name}: no field for {member.Name}");
            Assert.Equal(bits / 8, field!.GetCustomAttribute<FieldOffsetAttribute>()!.Value);
        }
    }
}
