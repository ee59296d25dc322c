using Gadget.Bpf;

namespace Gadget.Traceloop.Tests;

/// <summary>Gadget.Traceloop carries traceloop.bpf.o built for x86-64 and for arm64, and opens this process's one.</summary>
public sealed class EmbeddedObjectTests
{
    [Fact]
    public void TraceloopCarriesItsObjectForX64AndArm64()
    {
        var assembly = typeof(TraceloopTracer).Assembly;
        var objects = assembly.GetManifestResourceNames().Where(n => n.EndsWith(".bpf.o", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(["arm64/" + TraceloopTracer.ObjectResource, "x86_64/" + TraceloopTracer.ObjectResource], objects);
        using var spec = BpfObjectSpec.FromEmbeddedResource(assembly, TraceloopTracer.ObjectResource);
        Assert.Contains(spec.Programs, p => p.Name == "traceloop_sys_enter");
    }
}
