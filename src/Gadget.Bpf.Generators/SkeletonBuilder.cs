using System.Collections.Generic;
using System.IO;
using Gadget.Bpf.Generators.Btf;
using Gadget.Bpf.Generators.Emit;
using Gadget.Bpf.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Gadget.Bpf.Generators;

/// <summary>
/// Turns one object into sources and diagnostics (no Roslyn pipeline state: the generator calls it per object).
/// Which types are emitted: every map's key and value type, every global's type, the target of every pointer global
/// (the <c>const struct event *unused_event</c> convention), the types named in <c>Types</c>, and what those contain by
/// value. Pointers are not followed, so the kernel types of vmlinux.h a CO-RE object reads are not emitted.
/// </summary>
internal static class SkeletonBuilder
{
    public static (List<(string HintName, string Source)> Sources, List<Diagnostic> Diagnostics) Build(BpfObjectInput input)
    {
        var sources = new List<(string, string)>();
        var diagnostics = new List<Diagnostic>();
        var location = LocationOf(input.Path);
        var objectName = Path.GetFileName(input.Path);
        if (input.Bytes is null)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.Unreadable, location, input.Path, input.Error));
            return (sources, diagnostics);
        }
        var model = Read(input.Path, input.Bytes, diagnostics);
        if (model is null)
        {
            return (sources, diagnostics);
        }
        var visibility = input.IsPublic ? "public" : "internal";
        var (layouts, skeleton, spec) = Emit(model, input, objectName, visibility, diagnostics, location);
        foreach (var problem in layouts.Problems)
        {
            diagnostics.Add(Diagnostic.Create(problem.IsError ? Diagnostics.Unexpressible : Diagnostics.ExpressedDifferently, location, input.Path, problem.Message));
        }
        var prefix = objectName.Replace(".bpf.o", string.Empty).Replace(".o", string.Empty);
        foreach (var type in layouts.Types)
        {
            sources.Add(($"{prefix}.{type.Name}.g.cs", type.Source));
        }
        if (input.Skeleton)
        {
            sources.Add(($"{prefix}.{input.ClassName}.g.cs", skeleton));
            sources.Add(($"{prefix}.{input.ClassName}Spec.g.cs", spec));
        }
        if (input.Arm64Path is not null)
        {
            CompareArchitectures(input, layouts, objectName, visibility, diagnostics, location);
        }
        return (sources, diagnostics);
    }

    private static (LayoutEmitter Layouts, string Skeleton, string Spec) Emit(BpfObjectModel model, BpfObjectInput input, string objectName, string visibility, List<Diagnostic> diagnostics, Location location)
    {
        var taken = new HashSet<string> { input.ClassName, input.ClassName + "Spec" };
        var layouts = new LayoutEmitter(model.Btf, input.Namespace, visibility, objectName, taken);
        var (skeleton, spec) = SkeletonEmitter.Emit(model, layouts, input.ClassName, input.Namespace, visibility, objectName, input.ResourceName);
        foreach (var name in input.Types.Split(';'))
        {
            var wanted = name.Trim();
            if (wanted.Length == 0)
            {
                continue;
            }
            var found = model.Btf.Find(wanted, BtfKind.Struct) ?? model.Btf.Find(wanted, BtfKind.Union) ?? model.Btf.Find(wanted, BtfKind.Enum)
                ?? model.Btf.Find(wanted, BtfKind.Enum64) ?? model.Btf.Find(wanted, BtfKind.Typedef);
            if (found is null)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.UnknownType, location, input.Path, wanted));
                continue;
            }
            layouts.TypeOf(found.Id, CSharpNames.Pascal(wanted), null, $"type '{wanted}'");
        }
        layouts.EmitPending();
        return (layouts, skeleton, spec);
    }

    private static BpfObjectModel? Read(string path, byte[] bytes, List<Diagnostic> diagnostics)
    {
        try
        {
            return BpfObjectModel.Read(bytes);
        }
        catch (BpfObjectException e)
        {
            var descriptor = e.Problem switch
            {
                BpfObjectProblem.NoBtf => Diagnostics.NoBtf,
                BpfObjectProblem.BadBtf => Diagnostics.BadBtf,
                _ => Diagnostics.NotBpfObject,
            };
            diagnostics.Add(Diagnostic.Create(descriptor, LocationOf(path), path, e.Message));
            return null;
        }
    }

    /// <summary>
    /// The arm64 build of the object must lay out every generated type the same way (same source text, which holds every
    /// offset and size): one C# type serves both architectures, or the build fails naming the type.
    /// </summary>
    private static void CompareArchitectures(BpfObjectInput input, LayoutEmitter layouts, string objectName, string visibility, List<Diagnostic> diagnostics, Location location)
    {
        if (input.Arm64Bytes is null)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.Unreadable, location, input.Arm64Path, "the arm64 object named by Arm64 cannot be read"));
            return;
        }
        var other = Read(input.Arm64Path!, input.Arm64Bytes, diagnostics);
        if (other is null)
        {
            return;
        }
        var (arm64, _, _) = Emit(other, input, objectName, visibility, new List<Diagnostic>(), location);
        var theirs = new Dictionary<string, string>();
        foreach (var type in arm64.Types)
        {
            theirs[type.Name] = type.Source;
        }
        foreach (var type in layouts.Types)
        {
            if (!theirs.TryGetValue(type.Name, out var source) || source != type.Source)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.ArchitecturesDiffer, location, input.Path, input.Arm64Path, $"{type.CName} ({type.Name})"));
            }
        }
    }

    private static Location LocationOf(string path) => Location.Create(path, default, new LinePositionSpan(default, default));
}
