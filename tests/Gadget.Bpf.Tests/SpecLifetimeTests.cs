namespace Gadget.Bpf.Tests;

/// <summary>
/// Who owns libbpf's object: the spec until <see cref="BpfObjectSpec.Load"/>, the loaded <see cref="BpfObject"/> after. A spec
/// disposed unloaded releases what libbpf opened; a failed load releases it at once; a spec loads once.
/// </summary>
public class SpecLifetimeTests
{
    private const uint RawTracepointSlot = 0;

    [Fact]
    public void ASpecDisposedWithoutLoadingReleasesWhatLibbpfOpened()
    {
        FdCounter.AssertNoLeak(() =>
        {
            using var spec = TestObjects.Open(TestObjects.AttachTests);
            spec.SetGlobal("target_tgid", 1u);
            spec.Map("hits").MaxEntries = 16;
        });
    }

    [Fact]
    public void AFailedLoadReleasesEverythingAtOnceAndTheSpecCannotBeLoadedAgain()
    {
        FdCounter.AssertNoLeak(() =>
        {
            // Not disposed on purpose: the failed load alone must release the object and what libbpf created for it.
            var spec = TestObjects.Open(TestObjects.VerifierReject);
            Assert.Throws<BpfLoadException>(spec.Load);
            var again = Assert.Throws<InvalidOperationException>(spec.Load);
            Assert.Contains("failed", again.Message);
            Assert.Throws<InvalidOperationException>(() => spec.Programs[0].AutoLoad = false);
        });
    }

    [Fact]
    public void TheLoadedObjectOwnsTheLibbpfObjectAndTheSpecIsSpent()
    {
        FdCounter.AssertNoLeak(() =>
        {
            BpfObject obj;
            var spec = TestObjects.Open(TestObjects.AttachTests);
            using (spec)
            {
                spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
                obj = spec.Load();
                Assert.Throws<InvalidOperationException>(spec.Load);
                Assert.Throws<InvalidOperationException>(() => spec.Program("count_raw_sys_enter").AutoLoad = false);
                Assert.Throws<InvalidOperationException>(() => spec.SetGlobal("target_tgid", 2u));
            }
            using (obj)
            {
                // The spec is disposed: the loaded object still works, in the kernel.
                obj.Program("count_raw_sys_enter").TestRun(new byte[8]);
                Assert.Equal(1UL, obj.Map("hits").As<uint, ulong>()[RawTracepointSlot]);
                Assert.Equal((uint)Environment.ProcessId, obj.GetGlobal<uint>("target_tgid"));
            }
            Assert.Throws<ObjectDisposedException>(() => obj.Map("hits"));
        });
    }

    [Fact]
    public void ADisposedSpecSaysSo()
    {
        var spec = TestObjects.Open(TestObjects.AttachTests);
        var hits = spec.Map("hits");
        spec.Dispose();
        spec.Dispose();
        Assert.Throws<ObjectDisposedException>(() => hits.MaxEntries = 4);
        Assert.Throws<ObjectDisposedException>(spec.Load);
    }

    [Fact]
    public void AProgramOrMapLeftOutIsNotInTheLoadedObject()
    {
        using var spec = TestObjects.Open(TestObjects.AttachTests);
        spec.Program("count_perf_event").AutoLoad = false;
        using var obj = spec.Load();
        Assert.DoesNotContain(obj.Programs, p => p.Name == "count_perf_event");
        Assert.Equal(spec.Programs.Count - 1, obj.Programs.Count);
        Assert.All(obj.Programs, p => Assert.True(p.FileDescriptor >= 0));
        var missing = Assert.Throws<KeyNotFoundException>(() => obj.Program("count_perf_event"));
        Assert.Contains("AutoLoad", missing.Message);
        Assert.Throws<KeyNotFoundException>(() => obj.Program("no_such_program"));
    }

    [Fact]
    public void TheOneLinersOpenAndLoadAnObjectAsItIs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"oneliner_{Guid.NewGuid():N}"[..14] + ".bpf.o");
        File.WriteAllBytes(path, TestObjects.Bytes(TestObjects.AttachTests));
        try
        {
            using var fromFile = BpfObject.Load(path);
            Assert.Equal(Path.GetFileName(path).Split('.')[0], fromFile.Name);
            fromFile.Program("count_raw_sys_enter").TestRun(new byte[8]); // target_tgid 0 as compiled: counts any process
            Assert.Equal(1UL, fromFile.Map("hits").As<uint, ulong>()[RawTracepointSlot]);
        }
        finally
        {
            File.Delete(path);
        }
        using var embedded = BpfObject.LoadEmbeddedResource(typeof(SpecLifetimeTests).Assembly, TestObjects.AttachTests);
        Assert.Equal("attach_tests", embedded.Name);
        Assert.Equal(0UL, embedded.Map("hits").As<uint, ulong>()[RawTracepointSlot]);
        Assert.Throws<FileNotFoundException>(() => BpfObject.Load("/nonexistent/gadget.bpf.o"));
    }
}
