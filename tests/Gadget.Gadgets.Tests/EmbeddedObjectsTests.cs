using System.Reflection;
using Gadget.Bpf;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The gadgets' and the container collection's assemblies carry each BPF object twice, built for x86-64 and for arm64
/// (resources x86_64/NAME.bpf.o and arm64/NAME.bpf.o), and Gadget.Bpf opens the one of this process's architecture.
/// </summary>
public sealed class EmbeddedObjectsTests
{
    internal static void AssertCarriedForBothArchitectures(Assembly assembly, IEnumerable<string> used)
    {
        var objects = assembly.GetManifestResourceNames().Where(n => n.EndsWith(".bpf.o", StringComparison.Ordinal)).ToArray();
        string[] For(string prefix) =>
            objects.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n[prefix.Length..]).Order(StringComparer.Ordinal).ToArray();
        var x86 = For("x86_64/");
        Assert.NotEmpty(x86);
        Assert.Equal(x86, For("arm64/"));
        Assert.Equal(objects.Length, 2 * x86.Length); // nothing embedded for one architecture only, or unqualified
        Assert.Subset(x86.ToHashSet(), used.ToHashSet());
        foreach (var name in x86)
        {
            using var spec = BpfObjectSpec.FromEmbeddedResource(assembly, name);
            Assert.NotEmpty(spec.Programs);
        }
    }

    [Fact]
    public void TheGadgetsCarryEveryGadgetObjectForX64AndArm64() =>
        AssertCarriedForBothArchitectures(typeof(ExecSnoop).Assembly, KernelCompatibilityTests.Gadgets.Select((object[] row) => (string)row[0] + ".bpf.o"));

    [Fact]
    public void TheContainerCollectionCarriesItsObjectsForX64AndArm64() =>
        AssertCarriedForBothArchitectures(typeof(ContainerCollection).Assembly, ["containers.bpf.o", "containers_offsets.bpf.o"]);
}
