using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>
/// The generator in a long-lived driver (the compiler server, an IDE): an object rebuilt at the same path with a changed
/// struct regenerates the type, so code written against the old layout stops compiling; an unchanged one is not regenerated.
/// </summary>
public class IncrementalTests
{
    [Fact]
    public void A_rebuilt_object_with_a_changed_struct_changes_the_generated_type()
    {
        var narrow = Clang.Compile(SyntheticSources.Kinds("{}"), "kinds", "-g");
        var wide = Clang.Compile(SyntheticSources.Kinds("{}", idType: "__u64"), "kinds", "-g");
        var path = Path.Combine(Path.GetDirectoryName(narrow)!, "app.bpf.o");
        File.Copy(narrow, path);
        var metadata = new MetadataOptionsProvider(new Dictionary<string, string> { ["GadgetBpfObject"] = "true", ["Namespace"] = "Generated.Test" });
        var compilation = CSharpCompilation.Create(
            "incremental", [CSharpSyntaxTree.ParseText("static class User { static uint Id(Generated.Test.Kinds k) => k.Id; }")], GeneratorRun.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        AdditionalText text = new PathText(path);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new BpfSkeletonGenerator().AsSourceGenerator()], [text], parseOptions: null, optionsProvider: metadata,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var built, out _);
        Assert.Empty(built.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var before = Kinds(driver);
        Assert.Contains("public uint Id;", before);

        // The same bytes again (a new AdditionalText, as after a no-op rebuild): the outputs are reused, not regenerated.
        var again = new PathText(path);
        driver = driver.ReplaceAdditionalText(text, again);
        text = again;
        driver = driver.RunGenerators(compilation);
        Assert.Equal(before, Kinds(driver));
        var outputs = driver.GetRunResult().Results[0].TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Contains(output.Reason, (IncrementalStepRunReason[])[IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged]));

        // The object rebuilt with id widened to 64 bits: the C# field follows.
        File.Copy(wide, path, overwrite: true);
        driver = driver.ReplaceAdditionalText(text, new PathText(path));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out built, out _);
        var after = Kinds(driver);
        // The user's code, written for a 32-bit id, no longer compiles (CS0266: no implicit ulong to uint).
        Assert.Contains(built.GetDiagnostics(), d => d.Id == "CS0266");
        Assert.Contains("public ulong Id;", after);
        Assert.NotEqual(before, after);
    }

    private static string Kinds(GeneratorDriver driver) =>
        driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName == "app.Kinds.g.cs").SourceText.ToString();
}
