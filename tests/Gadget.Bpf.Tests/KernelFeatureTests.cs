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
        // bpf_loop: syscall_events.bpf.o's emit_burst calls it (opened without TestObjects, which leaves it out when
        // unsupported). (Without it the kernel refuses the object's callback function info, not the call: no helper named.)
        using (var obj = BpfObjectSpec.FromEmbeddedResource(typeof(KernelFeatureTests).Assembly, TestObjects.SyscallEvents))
        {
            var loop = KernelFeatures.Probe(KernelFeatures.Loop);
            var error = Record.Exception(() => obj.Load().Dispose());
            Assert.True(loop == (error is null), $"bpf_loop probe: {loop}; loading emit_burst: {error?.Message ?? "loaded"}");
        }
        // Bloom filter maps: created alone, and in an object (maps.bpf.o), whose load then names the map type.
        var bloom = KernelFeatures.Probe(KernelFeatures.BloomFilter);
        var created = Record.Exception(() => BpfMap.Create(BpfMapType.BloomFilter, 0, sizeof(ulong), 64).Dispose());
        Assert.True(bloom == (created is null), $"bloom filter probe: {bloom}; creating one: {created?.Message ?? "created"}");
        using (var obj = BpfObjectSpec.FromEmbeddedResource(typeof(KernelFeatureTests).Assembly, TestObjects.Maps))
        {
            var error = Record.Exception(() => obj.Load().Dispose());
            Assert.True(bloom == (error is null), $"bloom filter probe: {bloom}; loading maps.bpf.o: {error?.Message ?? "loaded"}");
            if (error is not null)
            {
                var missing = error as BpfFeatureNotSupportedException;
                Assert.True(missing is not null, error.ToString());
                Assert.Equal("BloomFilter map", missing.Feature);
                Assert.Contains("Linux 5.16", missing.Message);
            }
        }
        // bpf_get_current_task_btf: without it, loading names the helper and the release that added it.
        var taskBtf = KernelFeatures.Probe(KernelFeatures.CurrentTaskBtf);
        using (var obj = BpfObjectSpec.FromEmbeddedResource(typeof(KernelFeatureTests).Assembly, "helper_probe.bpf.o"))
        {
            var error = Record.Exception(() => obj.Load().Dispose());
            Assert.True(taskBtf == (error is null), $"task_btf probe: {taskBtf}; loading read_task_btf: {error?.Message ?? "loaded"}");
            if (error is not null)
            {
                var missing = error as BpfFeatureNotSupportedException;
                Assert.True(missing is not null, error.ToString());
                Assert.Equal("bpf_get_current_task_btf", missing.Feature);
                Assert.Contains("read_task_btf", missing.Message);
                Assert.Contains("Linux 5.11", missing.Message);
            }
        }
        Assert.True(KernelFeatures.Probe(KernelFeatures.RingBuffer));
        using (var ring = BpfMap.Create(BpfMapType.RingBuffer, 0, 0, 4096))
        {
            Assert.Equal(BpfMapType.RingBuffer, ring.Type);
        }
    }
}
