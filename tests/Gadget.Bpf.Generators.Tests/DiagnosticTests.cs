using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>What the generator refuses, as compiler errors located at the object's path, and what it warns about.</summary>
public class DiagnosticTests(ITestOutputHelper output)
{
    [Fact]
    public void A_file_that_is_not_an_ELF_object_is_an_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gadget-not-elf-{Guid.NewGuid():N}.bpf.o");
        File.WriteAllText(path, "not an object\n");
        var run = GeneratorRun.Run(path);
        var error = Assert.Single(run.Errors);
        Assert.Equal("GBPF001", error.Id);
        Assert.Equal(path, error.Location.GetLineSpan().Path);
        Assert.Contains(path, error.GetMessage());
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void An_ELF_file_of_another_machine_is_an_error()
    {
        // The test host itself: an ELF file, but not a BPF one.
        var path = Environment.ProcessPath!;
        var error = Assert.Single(GeneratorRun.Run(path).Errors);
        Assert.Equal("GBPF001", error.Id);
        Assert.Contains("not a BPF object", error.GetMessage());
    }

    [Fact]
    public void An_object_without_BTF_is_an_error()
    {
        var path = Clang.Compile(SyntheticSources.ForwardValue, "no_btf"); // no -g: clang emits no .BTF
        var error = Assert.Single(GeneratorRun.Run(path).Errors);
        Assert.Equal("GBPF002", error.Id);
        Assert.Contains("no .BTF section", error.GetMessage());
    }

    [Fact]
    public void A_map_value_only_declared_is_an_error_naming_the_map_and_the_type()
    {
        var path = Clang.Compile(SyntheticSources.ForwardValue, "forward", "-g");
        var run = GeneratorRun.Run(path);
        var error = Assert.Single(run.Errors);
        Assert.Equal("GBPF004", error.Id);
        Assert.Contains("opaque_map", error.GetMessage());
        Assert.Contains("'opaque' is only declared", error.GetMessage());
        // The map stays in the skeleton, untyped.
        Assert.Contains(run.Sources, s => s.Source.Contains("public global::Gadget.Bpf.BpfMap OpaqueMap { get; }"));
    }

    [Fact]
    public void An_unknown_type_in_Types_is_an_error()
    {
        var path = Path.Combine(GadgetObjectTests.RepoRoot, "bpf", "out", "skeleton_sample.bpf.o");
        var error = Assert.Single(GeneratorRun.Run(path, new Dictionary<string, string> { ["Types"] = "sample_event;no_such_type" }).Errors);
        Assert.Equal("GBPF006", error.Id);
        Assert.Contains("no_such_type", error.GetMessage());
    }

    [Fact]
    public void Layouts_that_differ_between_the_architectures_objects_are_an_error_naming_the_type()
    {
        var x86 = Clang.Compile(SyntheticSources.Kinds("{}"), "kinds", "-g");
        var same = Clang.Compile(SyntheticSources.Kinds("{}"), "kinds", "-g");
        var wider = Clang.Compile(SyntheticSources.Kinds("{}", idType: "__u64"), "kinds", "-g");
        Assert.DoesNotContain(GeneratorRun.Run(x86, new Dictionary<string, string> { ["Arm64"] = same }).Diagnostics, d => d.Id == "GBPF007");
        var error = Assert.Single(GeneratorRun.Run(x86, new Dictionary<string, string> { ["Arm64"] = wider }).Errors);
        Assert.Equal("GBPF007", error.Id);
        Assert.Contains("struct kinds", error.GetMessage());
    }

    /// <summary>
    /// Gadget's own objects and their arm64 builds (bpf/out/arm64): the generator reports a difference exactly for the
    /// generated structs whose size or member offsets bpftool sees differ between the two.
    /// </summary>
    [Theory]
    [MemberData(nameof(GadgetObjectTests.Objects), MemberType = typeof(GadgetObjectTests))]
    public void Gadget_objects_architectures_differ_exactly_where_bpftool_says(string name)
    {
        var x86 = Path.Combine(GadgetObjectTests.RepoRoot, "bpf", "out", name);
        var arm64 = Path.Combine(GadgetObjectTests.RepoRoot, "bpf", "out", "arm64", name);
        var run = GeneratorRun.Run(x86, new Dictionary<string, string> { ["Arm64"] = arm64 });
        var reported = run.Diagnostics.Where(d => d.Id == "GBPF007").Select(d => d.GetMessage()).ToList();
        var generated = run.Sources.Select(s => s.Source).ToList();
        output.WriteLine($"{name}: {reported.Count} types differ: {string.Join("; ", reported)}");
        var x86Btf = BpftoolBtf.Dump(x86);
        var arm64Btf = BpftoolBtf.Dump(arm64);
        foreach (var type in x86Btf.Types.Values.Where(t => t.Kind is "STRUCT" or "UNION" && t.Name.Length > 0))
        {
            if (!generated.Any(s => s.Contains($"<c>{type.Kind.ToLowerInvariant()} {type.Name}</c>")))
            {
                continue;
            }
            var twin = arm64Btf.Types.Values.FirstOrDefault(t => t.Kind == type.Kind && t.Name == type.Name);
            var differs = twin is null || twin.Size != type.Size || !twin.Members.Select(m => (m.Name, m.BitOffset, m.BitfieldSize)).SequenceEqual(type.Members.Select(m => (m.Name, m.BitOffset, m.BitfieldSize)));
            Assert.True(differs == reported.Any(m => m.Contains($"{type.Kind.ToLowerInvariant()} {type.Name} (")), $"{name}: {type.Kind} {type.Name} differs: {differs}; reported: {string.Join("; ", reported)}");
        }
    }
}
