namespace Gadget.Bpf.Tests;

/// <summary>The feature probes the tests skip by say what the kernel really does, and the matrix's kernels have what they must.</summary>
public sealed class KernelFeatureTests
{
    [SkippableFact]
    public void TheKernelHasEveryFeatureTheMatrixExpectsOfIt()
    {
        Skip.If(KernelFeatures.Expected.Count == 0, "GADGET_EXPECTED_FEATURES is not set: not a kernel-matrix run");
        Assert.All(KernelFeatures.Expected, feature => Assert.Contains(feature, KernelFeatures.Known));
        // fentry has no probe: ObjectErrorTests loads an fentry program and checks the expectation there.
        foreach (var feature in KernelFeatures.Expected.Where(f => f != KernelFeatures.Fentry))
        {
            Assert.True(KernelFeatures.Probe(feature), $"the probe finds no '{feature}' on this kernel ({Environment.OSVersion.Version})");
        }
    }

    [Fact]
    public void ProbesAgreeWithWhatTheKernelDoes()
    {
        // bpf_loop: syscall_events.bpf.o's emit_burst calls it (opened without TestObjects, which leaves it out when unsupported).
        using (var obj = BpfObject.FromEmbeddedResource(typeof(KernelFeatureTests).Assembly, TestObjects.SyscallEvents))
        {
            var loop = KernelFeatures.Probe(KernelFeatures.Loop);
            var error = Record.Exception(obj.Load);
            Assert.True(loop == (error is null), $"bpf_loop probe: {loop}; loading emit_burst: {error?.Message ?? "loaded"}");
        }
        var bloom = KernelFeatures.Probe(KernelFeatures.BloomFilter);
        var created = Record.Exception(() => BpfMap.Create(BpfMapType.BloomFilter, 0, sizeof(ulong), 64).Dispose());
        Assert.True(bloom == (created is null), $"bloom filter probe: {bloom}; creating one: {created?.Message ?? "created"}");
        Assert.True(KernelFeatures.Probe(KernelFeatures.RingBuffer));
        using (var ring = BpfMap.Create(BpfMapType.RingBuffer, 0, 0, 4096))
        {
            Assert.Equal(BpfMapType.RingBuffer, ring.Type);
        }
    }
}
