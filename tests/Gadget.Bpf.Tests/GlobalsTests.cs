namespace Gadget.Bpf.Tests;

public class GlobalsTests
{
    [Fact]
    public void GlobalsReadTheInitialValueBeforeLoadAndTheLiveValueAfter()
    {
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        spec.SetGlobal("next_sequence", 1000UL);
        Assert.Equal(1000UL, spec.GetGlobal<ulong>("next_sequence"));
        using var obj = spec.Load();

        BurstPrograms.Run(obj, 37, 64, 0); // 37 records into the ring buffer

        Assert.Equal(1037UL, obj.GetGlobal<ulong>("next_sequence"));
        Assert.Equal(0UL, obj.GetGlobal<ulong>("ringbuf_dropped"));
        Assert.Equal((uint)0, obj.GetGlobal<uint>("target_tgid"));
        Assert.Throws<ArgumentException>(() => obj.GetGlobal<uint>("next_sequence"));
    }

    [Fact]
    public void ProgramIdIsTheKernelsId()
    {
        using var obj = TestObjects.Load(TestObjects.SyscallEvents);
        var ids = obj.Programs.Select(p => p.Id).ToList(); // emit_burst is left out without bpf_loop, and so not in Programs
        Assert.All(ids, id => Assert.NotEqual(0u, id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // The kernel lists the id under /proc/self/fdinfo of the program's fd.
        var fdinfo = File.ReadAllText($"/proc/self/fdinfo/{obj.Program("on_sys_enter").FileDescriptor}");
        Assert.Contains($"prog_id:\t{obj.Program("on_sys_enter").Id}", fdinfo);
    }
}
