using System.Runtime.InteropServices;

namespace Gadget.Bpf;

/// <summary>
/// Which manifest resource holds an embedded BPF object for an architecture. An object that touches architecture-specific
/// kernel types (pt_regs, syscall wrappers) is compiled once per architecture, and an assembly carries one per
/// architecture under a directory-like prefix: <c>x86_64/traceloop.bpf.o</c>, <c>arm64/traceloop.bpf.o</c> (bpf/Makefile
/// builds both; the packages embed both). The one of the process's architecture is picked here, and only here.
/// </summary>
internal static class EmbeddedObjectNames
{
    /// <summary>The resource prefixes of the architectures BPF objects are built for, by .NET architecture.</summary>
    private static readonly (Architecture Architecture, string Prefix)[] Prefixes =
    [
        (Architecture.X64, "x86_64/"),
        (Architecture.Arm64, "arm64/"),
    ];

    /// <summary>The resource prefix of <paramref name="architecture"/> (<c>x86_64/</c>, <c>arm64/</c>), or <c>null</c>.</summary>
    internal static string? PrefixOf(Architecture architecture)
    {
        foreach (var (known, prefix) in Prefixes)
        {
            if (known == architecture)
            {
                return prefix;
            }
        }
        return null;
    }

    /// <summary>
    /// The resource among <paramref name="names"/> that holds <paramref name="resourceName"/> for
    /// <paramref name="architecture"/>: its architecture-qualified name first (<c>arm64/NAME</c>), else, for an object
    /// embedded once for every architecture, the name itself or a unique resource name ending in <c>.NAME</c> or
    /// <c>/NAME</c>. A name already qualified (<c>arm64/NAME</c>) is taken as it is.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">
    /// The object is embedded for other architectures only; the message names <paramref name="architecture"/> and them.
    /// </exception>
    /// <exception cref="FileNotFoundException">No such resource, or an ambiguous suffix; the message lists the resources.</exception>
    internal static string Resolve(IReadOnlyCollection<string> names, string resourceName, Architecture architecture, string assemblyName)
    {
        if (PrefixOf(architecture) is { } prefix && names.Contains(prefix + resourceName))
        {
            return prefix + resourceName;
        }
        if (names.Contains(resourceName))
        {
            return resourceName;
        }
        var carried = Prefixes.Where(p => names.Contains(p.Prefix + resourceName)).Select(p => p.Prefix.TrimEnd('/')).ToArray();
        if (carried.Length > 0)
        {
            throw new PlatformNotSupportedException(
                $"Assembly '{assemblyName}' has no BPF object '{resourceName}' for this process's architecture, {architecture} " +
                $"(resource '{PrefixOf(architecture) ?? architecture.ToString().ToLowerInvariant() + "/"}{resourceName}'); it carries it for: {string.Join(", ", carried)}.");
        }
        // An object embedded once (an application's own, e.g. LogicalName="app.bpf.o" or a default namespaced name), found
        // by a unique suffix; the architecture-qualified resources of other objects do not count.
        var suffixed = names.Where(n => (n.EndsWith("." + resourceName, StringComparison.Ordinal) || n.EndsWith("/" + resourceName, StringComparison.Ordinal))
            && !Prefixes.Any(p => n.StartsWith(p.Prefix, StringComparison.Ordinal))).ToArray();
        if (suffixed.Length == 1)
        {
            return suffixed[0];
        }
        throw new FileNotFoundException(
            suffixed.Length == 0
                ? $"Assembly '{assemblyName}' has no embedded BPF object '{resourceName}'. Embedded resources: {string.Join(", ", names)}."
                : $"Assembly '{assemblyName}' has {suffixed.Length} resources ending in '{resourceName}' ({string.Join(", ", suffixed)}): give the full name.",
            resourceName);
    }
}
