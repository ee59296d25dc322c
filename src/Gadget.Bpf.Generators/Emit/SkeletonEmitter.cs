using System.Collections.Generic;
using Gadget.Bpf.Generators.Btf;
using Gadget.Bpf.Generators.Model;

namespace Gadget.Bpf.Generators.Emit;

/// <summary>
/// Emits the skeleton of an object, like libbpf's <c>bpftool gen skeleton</c>: <c>NameSkeleton.Open()</c> gives a
/// <c>NameSkeletonSpec</c> (typed globals settable before load), whose <c>Load()</c> gives the <c>NameSkeleton</c>
/// (a property per program and map, typed map views, globals read live, <c>Attach()</c>).
/// </summary>
internal static class SkeletonEmitter
{
    private const string Bpf = "global::Gadget.Bpf.";

    public static (string Skeleton, string Spec) Emit(BpfObjectModel model, LayoutEmitter layouts, string className, string @namespace, string visibility, string objectName, string resourceName)
    {
        var specName = className + "Spec";
        var taken = new HashSet<string> { className, specName, "Object", "Spec", "Attach", "Links", "Dispose", "Open", "Load", "ObjectName", "ResourceName", "ToString", "GetHashCode", "Equals", "GetType" };
        var programs = new List<(string Property, string CName)>();
        foreach (var (name, _) in model.Programs)
        {
            programs.Add((CSharpNames.Unique(CSharpNames.Pascal(name), taken), name));
        }
        var maps = new List<(string Property, string Type, string Init, string CName)>();
        foreach (var map in model.Maps)
        {
            var property = CSharpNames.Unique(CSharpNames.Pascal(map.Name), taken);
            string? key = null, value = null;
            if (map.IsKeyValue)
            {
                var where = $"map '{map.Name}' of {objectName}";
                key = layouts.TypeOf(map.KeyType, property + "Key", null, where + " (key)");
                value = layouts.TypeOf(map.ValueType, property + "Value", null, where + " (value)");
            }
            var get = $"obj.Map({CSharpNames.Literal(map.Name)})";
            if (key is null || value is null)
            {
                maps.Add((property, Bpf + "BpfMap", get, map.Name));
            }
            else if (map.IsPerCpu)
            {
                maps.Add((property, $"{Bpf}BpfPerCpuMap<{key}, {value}>", $"{get}.AsPerCpu<{key}, {value}>()", map.Name));
            }
            else
            {
                maps.Add((property, $"{Bpf}BpfMap<{key}, {value}>", $"{get}.As<{key}, {value}>()", map.Name));
            }
        }
        var globals = new List<(BpfGlobalModel Global, string Property, string? Type, string? Element)>();
        foreach (var global in model.Globals)
        {
            var property = CSharpNames.Unique(CSharpNames.Pascal(global.Name), taken);
            var where = $"global '{global.Name}' of {objectName}";
            var resolved = model.Btf.Resolve(global.Type);
            if (resolved.Kind == BtfKind.Array)
            {
                var element = resolved.ArrayLength == 0 ? null : layouts.TypeOf(resolved.ArrayElement, property + "Element", null, where);
                globals.Add((global, property, null, element));
                continue;
            }
            if (resolved.Kind == BtfKind.Pointer && model.Btf.Resolve(resolved.SizeOrType).Kind is BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64)
            {
                // `const struct event *unused_event __attribute__((unused));`: the convention that names an event type.
                layouts.TypeOf(resolved.SizeOrType, CSharpNames.Pascal(global.Name) + "Target", null, where);
            }
            globals.Add((global, property, layouts.TypeOf(global.Type, property, null, where), null));
        }

        var skeleton = new CodeWriter();
        Header(skeleton, objectName, @namespace);
        skeleton.Line($"/// <summary>");
        skeleton.Line($"/// The loaded BPF object {CSharpNames.Xml(objectName)}: its programs, maps (typed by the object's BTF) and globals. Made by");
        skeleton.Line($"/// <see cref=\"{specName}.Load\"/> (or <see cref=\"Load(global::Gadget.Bpf.BpfObjectOptions?)\"/>); disposing it detaches its links and closes the object.");
        skeleton.Line($"/// </summary>");
        skeleton.Open($"{visibility} sealed partial class {className} : global::System.IDisposable");
        skeleton.Line($"/// <summary>The object's file name.</summary>");
        skeleton.Line($"public const string ObjectName = {CSharpNames.Literal(objectName)};");
        skeleton.Line();
        skeleton.Line($"/// <summary>The embedded resource holding the object (the process's architecture's, when embedded per architecture).</summary>");
        skeleton.Line($"public const string ResourceName = {CSharpNames.Literal(resourceName)};");
        skeleton.Line();
        skeleton.Line($"private global::System.Collections.Generic.IReadOnlyList<{Bpf}BpfLink>? _links;");
        skeleton.Line();
        skeleton.Open($"internal {className}({Bpf}BpfObject obj)");
        skeleton.Line("Object = obj;");
        foreach (var (property, cName) in programs)
        {
            skeleton.Line($"{property} = obj.Program({CSharpNames.Literal(cName)});");
        }
        foreach (var (property, _, init, _) in maps)
        {
            skeleton.Line($"{property} = {init};");
        }
        skeleton.Close();
        skeleton.Line();
        skeleton.Line("/// <summary>Opens the object embedded in this assembly (not loaded yet: set its read-only globals, then load).</summary>");
        skeleton.Line($"public static {specName} Open({Bpf}BpfObjectOptions? options = null) =>");
        skeleton.Line($"    new({Bpf}BpfObjectSpec.FromEmbeddedResource(typeof({className}).Assembly, ResourceName, options));");
        skeleton.Line();
        skeleton.Line("/// <summary>Opens the object from a file (one built from the same source: the layouts are this object's).</summary>");
        skeleton.Line($"public static {specName} Open(string path, {Bpf}BpfObjectOptions? options = null) => new({Bpf}BpfObjectSpec.Open(path, options));");
        skeleton.Line();
        skeleton.Line("/// <summary>Opens and loads the embedded object as it was compiled.</summary>");
        skeleton.Open($"public static {className} Load({Bpf}BpfObjectOptions? options = null)");
        skeleton.Line("using var spec = Open(options);");
        skeleton.Line("return spec.Load();");
        skeleton.Close();
        skeleton.Line();
        skeleton.Line("/// <summary>The loaded object (maps and programs by name, raw access).</summary>");
        skeleton.Line($"public {Bpf}BpfObject Object {{ get; }}");
        skeleton.Line();
        skeleton.Line("/// <summary>The links <see cref=\"Attach\"/> made (empty before).</summary>");
        skeleton.Line($"public global::System.Collections.Generic.IReadOnlyList<{Bpf}BpfLink> Links => _links ?? global::System.Array.Empty<{Bpf}BpfLink>();");
        foreach (var (property, cName) in programs)
        {
            skeleton.Line();
            skeleton.Line($"/// <summary>Program <c>{CSharpNames.Xml(cName)}</c>.</summary>");
            skeleton.Line($"public {Bpf}BpfProgram {property} {{ get; }}");
        }
        foreach (var (property, type, _, cName) in maps)
        {
            skeleton.Line();
            skeleton.Line($"/// <summary>Map <c>{CSharpNames.Xml(cName)}</c>.</summary>");
            skeleton.Line($"public {type} {property} {{ get; }}");
        }
        foreach (var (global, property, type, element) in globals)
        {
            skeleton.Line();
            skeleton.Line($"/// <summary>Global <c>{CSharpNames.Xml(global.Name)}</c> ({global.Section}, {global.Size} bytes), read live from the kernel.</summary>");
            if (type is not null)
            {
                skeleton.Line($"public {type} {property} => Object.GetGlobal<{type}>({CSharpNames.Literal(global.Name)});");
            }
            else if (element is not null)
            {
                skeleton.Line($"public void Get{property}(global::System.Span<{element}> destination) => Object.GetGlobal({CSharpNames.Literal(global.Name)}, destination);");
            }
        }
        skeleton.Line();
        skeleton.Line("/// <summary>Attaches every program that its section names a target for (libbpf's auto-attach); once.</summary>");
        skeleton.Line("public void Attach() => _links ??= Object.AttachAll();");
        skeleton.Line();
        skeleton.Line("/// <summary>Detaches the links and closes the object.</summary>");
        skeleton.Line("public void Dispose() => Object.Dispose();");
        skeleton.Close();

        var spec = new CodeWriter();
        Header(spec, objectName, @namespace);
        spec.Line($"/// <summary>The opened, not yet loaded, BPF object {CSharpNames.Xml(objectName)}: its globals' initial values, typed. <see cref=\"Load\"/> loads it.</summary>");
        spec.Open($"{visibility} sealed partial class {specName} : global::System.IDisposable");
        spec.Line($"internal {specName}({Bpf}BpfObjectSpec spec) => Spec = spec;");
        spec.Line();
        spec.Line("/// <summary>The opened object (programs and maps to adjust before load).</summary>");
        spec.Line($"public {Bpf}BpfObjectSpec Spec {{ get; }}");
        foreach (var (global, property, type, element) in globals)
        {
            spec.Line();
            var what = global.IsReadOnly ? "a constant for the verifier once loaded" : "its initial value";
            spec.Line($"/// <summary>Global <c>{CSharpNames.Xml(global.Name)}</c> ({global.Section}, {global.Size} bytes): {what}.</summary>");
            if (type is not null)
            {
                spec.Open($"public {type} {property}");
                spec.Line($"get => Spec.GetGlobal<{type}>({CSharpNames.Literal(global.Name)});");
                spec.Line($"set => Spec.SetGlobal({CSharpNames.Literal(global.Name)}, value);");
                spec.Close();
            }
            else if (element is not null)
            {
                spec.Line($"public void Set{property}(global::System.ReadOnlySpan<{element}> values) => Spec.SetGlobal({CSharpNames.Literal(global.Name)}, values);");
                spec.Line();
                spec.Line($"/// <summary>Reads global <c>{CSharpNames.Xml(global.Name)}</c>'s initial value.</summary>");
                spec.Line($"public void Get{property}(global::System.Span<{element}> destination) => Spec.GetGlobal({CSharpNames.Literal(global.Name)}, destination);");
            }
        }
        spec.Line();
        spec.Line("/// <summary>Loads the object into the kernel (the verifier runs); the spec cannot change after.</summary>");
        spec.Line($"public {className} Load() => new(Spec.Load());");
        spec.Line();
        spec.Line("/// <summary>Closes the opened object (a loaded one stays loaded).</summary>");
        spec.Line("public void Dispose() => Spec.Dispose();");
        spec.Close();
        return (skeleton.ToString(), spec.ToString());
    }

    private static void Header(CodeWriter writer, string objectName, string @namespace)
    {
        writer.Line("// <auto-generated/> by Gadget.Bpf.Generators from " + objectName + ": do not edit.");
        writer.Line("#nullable enable");
        writer.Line($"namespace {@namespace};");
        writer.Line();
    }
}
