using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>
/// Runs the generator in-process (CSharpGeneratorDriver) on one object, as the build would with a &lt;BpfObject&gt; item
/// and its metadata, compiles what it generated against Gadget.Bpf and loads the assembly.
/// </summary>
internal sealed class GeneratorRun
{
    internal static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.Length > 0)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    private GeneratorRun(ImmutableArray<Diagnostic> diagnostics, IReadOnlyList<(string HintName, string Source)> sources, ImmutableArray<Diagnostic> compileErrors, Assembly? assembly)
    {
        Diagnostics = diagnostics;
        Sources = sources;
        CompileErrors = compileErrors;
        Assembly = assembly;
    }

    /// <summary>The generator's diagnostics.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; }

    public IReadOnlyList<(string HintName, string Source)> Sources { get; }

    /// <summary>Errors compiling the generated code.</summary>
    public ImmutableArray<Diagnostic> CompileErrors { get; }

    /// <summary>The compiled generated code (null when it did not compile).</summary>
    public Assembly? Assembly { get; }

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public static GeneratorRun Run(string objectPath, IReadOnlyDictionary<string, string>? metadata = null, string? extraSource = null)
    {
        var all = new Dictionary<string, string> { ["GadgetBpfObject"] = "true", ["Namespace"] = "Generated.Test" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var compilation = CSharpCompilation.Create(
            "Generated" + Guid.NewGuid().ToString("N"),
            extraSource is null ? [] : [CSharpSyntaxTree.ParseText(extraSource, new CSharpParseOptions(LanguageVersion.Latest))], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(
            [new BpfSkeletonGenerator().AsSourceGenerator()], [new PathText(objectPath)],
            new CSharpParseOptions(LanguageVersion.Latest), new MetadataOptionsProvider(all));
        driver = (CSharpGeneratorDriver)driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var sources = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return new GeneratorRun(diagnostics, sources, errors, emitted.Success ? Assembly.Load(stream.ToArray()) : null);
    }

    /// <summary>The generated type called <paramref name="name"/> (in namespace Generated.Test).</summary>
    public Type Type(string name) => Assembly!.GetType("Generated.Test." + name) ?? throw new InvalidOperationException($"no generated type {name}: {string.Join(", ", Assembly!.GetTypes().Select(t => t.Name))}");
}
