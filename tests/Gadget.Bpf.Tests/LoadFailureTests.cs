namespace Gadget.Bpf.Tests;

public class LoadFailureTests
{
    private static BpfObjectSpec OpenWith(params string[] programs)
    {
        var obj = TestObjects.Open(TestObjects.LoadFailures);
        foreach (var program in obj.Programs)
        {
            program.AutoLoad = programs.Contains(program.Name);
        }
        return obj;
    }

    [Fact]
    public void AVerifierRejectionNamesTheRejectedProgramNotTheFirstOne()
    {
        // probe_nanosleep and loads_fine come first in the object and load; libbpf unloads them when the next one fails.
        using var obj = OpenWith("probe_nanosleep", "loads_fine", "rejected_by_verifier");
        var error = Assert.Throws<BpfLoadException>(obj.Load);
        Assert.Equal("rejected_by_verifier", error.ProgramName);
        Assert.Contains("'rejected_by_verifier'", error.Message);
        Assert.DoesNotContain("probe_nanosleep", error.Message);
        Assert.DoesNotContain("run as root", error.Message);
    }

    [Fact]
    public void ARefusedFentryBehindAKprobeIsNamedAndIsAFeatureError()
    {
        using var spec = OpenWith("probe_nanosleep", "fentry_nanosleep");
        BpfObject obj;
        try
        {
            obj = spec.Load();
        }
        catch (BpfFeatureNotSupportedException e)
        {
            Assert.IsAssignableFrom<BpfException>(e);
            Assert.Equal("fentry", e.Feature);
            Assert.Equal("fentry_nanosleep", e.ProgramName);
            Assert.DoesNotContain("probe_nanosleep", e.Message);
            Assert.DoesNotContain("run as root", e.Message);
            return;
        }
        using (obj)
        {
            Assert.True(obj.Program("fentry_nanosleep").FileDescriptor >= 0); // a kernel that allows fentry loads it
        }
    }

    [Fact]
    public void AKretprobeOnAKernelWithoutKprobesIsCalledAKretprobe()
    {
        using var spec = OpenWith("kretprobe_nanosleep");
        using var obj = spec.Load();
        if (BpfEnvironment.HasKprobes)
        {
            using var link = obj.Program("kretprobe_nanosleep").Attach();
            return;
        }
        var error = Assert.Throws<BpfFeatureNotSupportedException>(() => obj.Program("kretprobe_nanosleep").Attach());
        Assert.Equal("kretprobe", error.Feature);
        Assert.Equal("kretprobe_nanosleep", error.ProgramName);
        Assert.Contains("as a kretprobe", error.Message);
        var direct = Assert.Throws<BpfFeatureNotSupportedException>(() => obj.Program("kretprobe_nanosleep").AttachKprobe("do_nanosleep", returnProbe: true));
        Assert.Equal("kretprobe", direct.Feature);
    }
}
