using Gadget.Bpf.Generators.Btf;
using Microsoft.CodeAnalysis;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>
/// The generator on objects compiled here by clang-19 from synthetic sources: every BTF kind read as bpftool reads it,
/// layouts equal to bpftool's, and bitfields, enums, unions and arrays decoded and encoded as clang lays them out (the
/// compiled-in initial value of a .rodata global, read through the generated skeleton spec, against a value built
/// through the generated setters).
/// </summary>
public class SyntheticObjectTests
{
    // The initializer's values: the C source gets them from here, and the checks compare against what clang made of them.
    private const uint Id = 7;
    private const int Delta = -3;
    private const uint Wide = 0xabcde;
    private const ulong BigBits = 0x12345678ab;
    private const uint Word = 0x01020304;
    private const ulong AnonA = 0x1122334455667788;

    private static readonly string Initializer =
        $"{{ .id = {Id}, .small = SMALL_B, .big = BIG_B, .flag = 1, .delta = {Delta}, .wide = 0x{Wide:x}, .big_bits = 0x{BigBits:x}ULL, " +
        $".u = {{ .word = 0x{Word:x} }}, .anon_a = 0x{AnonA:x}ULL, .matrix = {{ {{ 1, 2, 3 }}, {{ 4, 5, 6 }} }}, .nested = {{ .a = 9, .b = 10 }}, .name = \"abc\" }}";

    [Fact]
    public void Every_BTF_kind_is_read_as_bpftool_reads_it()
    {
        var path = Clang.Compile(SyntheticSources.Kinds(Initializer), "kinds", "-g");
        var ours = BtfData.Parse(ReadBtfSection(path));
        var theirs = BpftoolBtf.Dump(path);
        Assert.Equal(theirs.Types.Count, ours.Types.Count - 1);
        foreach (var (id, type) in theirs.Types)
        {
            var mine = ours[(uint)id];
            Assert.Equal(type.Kind, KindName(mine.Kind));
            Assert.Equal(type.Name, mine.Name);
            if (type.Kind is "STRUCT" or "UNION")
            {
                Assert.Equal(type.Size, (int)mine.SizeOrType);
                Assert.Equal(type.Members.Select(m => (m.Name, m.Type, m.BitOffset, m.BitfieldSize)), mine.Members.Select(m => (m.Name, (int)m.Type, (int)m.BitOffset, (int)m.BitSize)));
            }
        }
        var kinds = ours.Types.Skip(1).Select(t => t.Kind).ToHashSet();
        Assert.Equal(Enum.GetValues<BtfKind>().Where(k => k != BtfKind.Void).Order(), kinds.Order());
    }

    [Fact]
    public void Layouts_match_bpftool_and_values_match_clang()
    {
        var path = Clang.Compile(SyntheticSources.Kinds(Initializer), "kinds", "-g");
        var run = GeneratorRun.Run(path, new Dictionary<string, string> { ["Types"] = "flexible; packed_rec" }, Probe);
        Assert.True(!run.Errors.Any(), string.Join("\n", run.Errors));
        Assert.True(run.CompileErrors.IsEmpty, string.Join("\n", run.CompileErrors));
        var btf = BpftoolBtf.Dump(path);
        // kinds, inner, flexible, packed_rec (the runtime keeps a packed struct's size: no padding to its alignment).
        Assert.True(LayoutCheck.CompareAll(run, btf) >= 4);

        // A flexible array member has no field: a warning, and its offset as a constant.
        var warning = Assert.Single(run.Diagnostics, d => d.Id == "GBPF005");
        Assert.Contains("items", warning.GetMessage());
        Assert.Equal(4, (int)run.Type("Flexible").GetNestedType("Offsets")!.GetField("Items")!.GetRawConstantValue()!);

        var probe = run.Assembly!.GetType("Generated.Test.Probe")!;
        var compiled = (byte[])probe.GetMethod("Compiled")!.Invoke(null, [path])!;
        var decoded = (string)probe.GetMethod("Decode")!.Invoke(null, [compiled])!;
        Assert.Equal($"{Id} SmallB BigB 1 {Delta} {Wide} {BigBits} {Word} 4 3 2 1 {AnonA} {unchecked((uint)AnonA)} 1 2 3 4 5 6 9 10 abc", decoded);
        // The same value built through the generated setters has the same bytes as clang's.
        var built = (byte[])probe.GetMethod("Built")!.Invoke(null, null)!;
        Assert.Equal(compiled, built);
    }

    [Fact]
    public void The_maps_key_and_value_and_the_skeleton_are_typed()
    {
        var path = Clang.Compile(SyntheticSources.Kinds(Initializer), "kinds", "-g");
        var run = GeneratorRun.Run(path);
        Assert.True(!run.Errors.Any(), string.Join("\n", run.Errors));
        var skeleton = run.Type("KindsSkeleton");
        Assert.Equal("BpfMap`2", skeleton.GetProperty("KindsMap")!.PropertyType.Name);
        Assert.Equal([run.Type("Small"), run.Type("Kinds")], skeleton.GetProperty("KindsMap")!.PropertyType.GetGenericArguments());
        Assert.Equal(typeof(int), Enum.GetUnderlyingType(run.Type("Small")));
        Assert.Equal(typeof(ulong), Enum.GetUnderlyingType(run.Type("Big")));
        Assert.Equal(typeof(BpfProgram), skeleton.GetProperty("OnGetpid")!.PropertyType);
        Assert.Equal(typeof(ulong), skeleton.GetProperty("Counter")!.PropertyType);
        var spec = run.Type("KindsSkeletonSpec");
        Assert.Equal(run.Type("Kinds"), spec.GetProperty("Init")!.PropertyType);
        Assert.True(spec.GetProperty("Init")!.CanWrite);
    }

    /// <summary>Code compiled with the generated types: reads the compiled-in global, decodes it, builds it anew.</summary>
    private const string Probe = """
        using System;
        using System.Runtime.InteropServices;
        namespace Generated.Test;
        public static class Probe
        {
            public static byte[] Compiled(string path)
            {
                using var spec = KindsSkeleton.Open(path);
                var value = spec.Init;
                return MemoryMarshal.AsBytes(new ReadOnlySpan<Kinds>(ref value)).ToArray();
            }

            public static string Decode(byte[] bytes)
            {
                var k = MemoryMarshal.Read<Kinds>(bytes);
                var name = System.Text.Encoding.ASCII.GetString(k.Name[..k.Name.IndexOf((byte)0)]);
                return $"{k.Id} {k.Small} {k.Big} {k.Flag} {k.Delta} {k.Wide} {k.BigBits} {k.U.Word} {k.U.Bytes[0]} {k.U.Bytes[1]} {k.U.Bytes[2]} {k.U.Bytes[3]} " +
                    $"{k.AnonA} {k.AnonB} {k.Matrix[0][0]} {k.Matrix[0][1]} {k.Matrix[0][2]} {k.Matrix[1][0]} {k.Matrix[1][1]} {k.Matrix[1][2]} {k.Nested.A} {k.Nested.B} {name}";
            }

            public static byte[] Built()
            {
                var k = default(Kinds);
                k.Id = 7;
                k.Small = Small.SmallB;
                k.Big = Big.BigB;
                k.Flag = 1;
                k.Delta = -3;
                k.Wide = 0xabcde;
                k.BigBits = 0x12345678ab;
                k.U.Word = 0x01020304;
                k.AnonA = 0x1122334455667788;
                for (var i = 0; i < 6; i++) k.Matrix[i / 3][i % 3] = i + 1;
                k.Nested.A = 9;
                k.Nested.B = 10;
                "abc"u8.CopyTo(k.Name);
                return MemoryMarshal.AsBytes(new ReadOnlySpan<Kinds>(ref k)).ToArray();
            }
        }
        """;

    internal static byte[] ReadBtfSection(string path)
    {
        var elf = Elf.ElfFile.Parse(File.ReadAllBytes(path));
        return elf.Contents(elf.Section(".BTF")!);
    }

    private static string KindName(BtfKind kind) => kind switch
    {
        BtfKind.Pointer => "PTR",
        BtfKind.Forward => "FWD",
        BtfKind.Function => "FUNC",
        BtfKind.FunctionProto => "FUNC_PROTO",
        BtfKind.Variable => "VAR",
        BtfKind.DataSection => "DATASEC",
        BtfKind.DeclTag => "DECL_TAG",
        BtfKind.TypeTag => "TYPE_TAG",
        BtfKind.Enum64 => "ENUM64",
        _ => kind.ToString().ToUpperInvariant(),
    };
}
