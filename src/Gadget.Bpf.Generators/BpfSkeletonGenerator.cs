using System;
using System.IO;
using Gadget.Bpf.Generators.Emit;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Gadget.Bpf.Generators;

/// <summary>
/// Generates typed layouts and a skeleton class for each BPF object of the project (<c>&lt;BpfObject Include="x.bpf.o" /&gt;</c>,
/// which Gadget.Bpf's build files turn into additional files with <c>GadgetBpfObject="true"</c>). Item metadata:
/// <c>Namespace</c> (default: the root namespace + <c>.Bpf.</c> + the object's name), <c>ClassName</c> (default
/// <c>NameSkeleton</c>), <c>Types</c> (C types to emit besides those the maps and globals reach, separated by
/// <c>;</c>), <c>Public</c> (true: public types; default internal), <c>Skeleton</c> (false: layouts only),
/// <c>Arm64</c> (the arm64 build of the object, whose layouts must be the same), <c>ResourceName</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BpfSkeletonGenerator : IIncrementalGenerator
{
    private const string Metadata = "build_metadata.AdditionalFiles.";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var objects = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select((pair, cancellationToken) => ToInput(pair.Left, pair.Right, cancellationToken))
            .Where(input => input is not null);
        context.RegisterSourceOutput(objects, (production, input) =>
        {
            var (sources, diagnostics) = SkeletonBuilder.Build(input!);
            foreach (var diagnostic in diagnostics)
            {
                production.ReportDiagnostic(diagnostic);
            }
            foreach (var (hintName, source) in sources)
            {
                production.AddSource(hintName, SourceText.From(source, System.Text.Encoding.UTF8));
            }
        });
    }

    private static BpfObjectInput? ToInput(AdditionalText file, AnalyzerConfigOptionsProvider provider, System.Threading.CancellationToken cancellationToken)
    {
        var options = provider.GetOptions(file);
        string Get(string name) => options.TryGetValue(Metadata + name, out var value) ? value.Trim() : string.Empty;
        if (!string.Equals(Get("GadgetBpfObject"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        cancellationToken.ThrowIfCancellationRequested();
        provider.GlobalOptions.TryGetValue("build_property.RootNamespace", out var rootNamespace);
        provider.GlobalOptions.TryGetValue("build_property.MSBuildProjectDirectory", out var projectDirectory);
        var fileName = Path.GetFileName(file.Path);
        var baseName = fileName.EndsWith(".bpf.o", StringComparison.Ordinal) ? fileName.Substring(0, fileName.Length - 6) : Path.GetFileNameWithoutExtension(fileName);
        var pascal = CSharpNames.Pascal(baseName);
        var @namespace = Get("Namespace");
        if (@namespace.Length == 0)
        {
            @namespace = (string.IsNullOrEmpty(rootNamespace) ? string.Empty : rootNamespace + ".") + "Bpf." + pascal;
        }
        var className = Get("ClassName");
        var resourceName = Get("ResourceName");
        var arm64 = Get("Arm64");
        string? arm64Path = null;
        byte[]? arm64Bytes = null;
        if (arm64.Length > 0)
        {
            arm64Path = Path.IsPathRooted(arm64) || string.IsNullOrEmpty(projectDirectory) ? arm64 : Path.Combine(projectDirectory, arm64);
            arm64Bytes = TryRead(arm64Path, out _);
        }
        var bytes = TryRead(file.Path, out var error);
        return new BpfObjectInput(
            file.Path, bytes, error, arm64Path, arm64Bytes, @namespace, className.Length > 0 ? className : pascal + "Skeleton",
            resourceName.Length > 0 ? resourceName : fileName, Get("Types"), string.Equals(Get("Public"), "true", StringComparison.OrdinalIgnoreCase),
            !string.Equals(Get("Skeleton"), "false", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The object's bytes. Additional files reach a generator as text only, and an ELF object is binary, so it is read from
    /// its path here; it is an input of the compile (an AdditionalFiles item), so a rebuilt object recompiles and regenerates.
    /// </summary>
    private static byte[]? TryRead(string path, out string? error)
    {
        error = null;
        try
        {
#pragma warning disable RS1035 // File IO: the binary object cannot come through AdditionalText (text only); see above.
            return File.ReadAllBytes(path);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = e.Message;
            return null;
        }
    }
}
