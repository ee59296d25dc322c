using Microsoft.CodeAnalysis;

namespace Gadget.Bpf.Generators;

/// <summary>The generator's diagnostics: errors (the build fails) located at the object's path.</summary>
internal static class Diagnostics
{
    private const string Category = "Gadget.Bpf.Generators";

    public static readonly DiagnosticDescriptor NotBpfObject = new(
        "GBPF001", "Not a BPF object", "BPF object '{0}' cannot be read: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NoBtf = new(
        "GBPF002", "BPF object without BTF", "BPF object '{0}' has no BTF, so no typed skeleton can be generated: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor BadBtf = new(
        "GBPF003", "Corrupt BTF", "BPF object '{0}': its BTF cannot be read: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor Unexpressible = new(
        "GBPF004", "A BPF type cannot be expressed in C#", "BPF object '{0}': {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ExpressedDifferently = new(
        "GBPF005", "A BPF type is expressed differently in C#", "BPF object '{0}': {1}", Category, DiagnosticSeverity.Warning, true);

    public static readonly DiagnosticDescriptor UnknownType = new(
        "GBPF006", "Unknown event type", "BPF object '{0}' has no struct, union, enum or typedef '{1}' (named in Types)", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ArchitecturesDiffer = new(
        "GBPF007", "Layouts differ between architectures", "BPF objects '{0}' and '{1}' lay out {2} differently: one generated type cannot serve both architectures", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor Unreadable = new(
        "GBPF008", "BPF object unreadable", "BPF object '{0}' cannot be read: {1}", Category, DiagnosticSeverity.Error, true);
}
