using System.Diagnostics;

namespace Gadget.Bpf.Tests;

public class ProgramConfigurationTests
{
    [Fact]
    public void AttachAllAttachesWhatASkeletonWouldAndSkipsProgramsWithoutATarget()
    {
        using var spec = SurfaceObject.Open();
        using var obj = spec.Load();
        var links = obj.AttachAll();
        // record_stack (raw_tp/sys_enter), on_exec (tp_btf, target set before load), count_getppid (uprobe with a target),
        // dump_task (iter/task); not: sum_weights (raw_tp without target), uprobe_without_target, the two custom sections.
        Assert.Equal(4, links.Count);

        NativeCalls.GetParentPid();
        Assert.True(obj.GetGlobal<ulong>("uprobe_hits") >= 1, "the uprobe on getppid did not fire");
        using (var child = Process.Start("/bin/true"))
        {
            child.WaitForExit();
        }
        Assert.True(obj.GetGlobal<ulong>("exec_count") >= 1, "the tp_btf program whose target was set before load did not see the exec");
        Assert.True(obj.GetGlobal<long>("last_stack_id") >= 0);
        Assert.Equal(0UL, obj.GetGlobal<ulong>("custom_runs"));
    }

    [Fact]
    public void AttachAllSkipsProgramsWithAutoAttachOff()
    {
        using var spec = SurfaceObject.Open();
        spec.Program("count_getppid").AutoAttach = false;
        spec.Program("dump_task").AutoAttach = false;
        using var obj = spec.Load();
        Assert.Equal(2, obj.AttachAll().Count);
        NativeCalls.GetParentPid();
        Assert.Equal(0UL, obj.GetGlobal<ulong>("uprobe_hits"));
    }

    [Fact]
    public void AnUprobeSectionAttachesWithAttachWhetherOrNotTheKernelHasKprobes()
    {
        using var spec = SurfaceObject.Open();
        using var obj = spec.Load();
        using var link = obj.Program("count_getppid").Attach();
        NativeCalls.GetParentPid();
        NativeCalls.GetParentPid();
        Assert.True(obj.GetGlobal<ulong>("uprobe_hits") >= 2);
    }

    [Fact]
    public void AProgramInASectionLibbpfDoesNotKnowLoadsOnceGivenAType()
    {
        using (var untyped = SurfaceObject.Open(configure: false))
        {
            untyped.Map("stacks").ValueSize = 8;
            untyped.Program("on_exec").AutoLoad = false;
            untyped.Program("custom_iter").AutoLoad = false;
            var error = Assert.Throws<BpfLoadException>(untyped.Load);
            Assert.Equal("custom_section", error.ProgramName);
        }
        using var spec = SurfaceObject.Open();
        Assert.Equal(BpfProgramType.RawTracepoint, spec.Program("custom_section").Type);
        using var obj = spec.Load();
        Assert.Equal(7u, obj.Program("custom_section").TestRun(new byte[8]));
        Assert.Equal(1UL, obj.GetGlobal<ulong>("custom_runs"));
        Assert.Equal(BpfProgramType.RawTracepoint, obj.Program("custom_section").Type);
        Assert.Throws<InvalidOperationException>(() => spec.Program("custom_section").Type = BpfProgramType.Kprobe);
        Assert.Throws<InvalidOperationException>(() => spec.Program("on_exec").SetAttachTarget("sched_process_fork"));
    }

    [Fact]
    public void AnUnknownAttachTargetIsRefusedAtOnce()
    {
        using var obj = SurfaceObject.Open(configure: false);
        var error = Assert.Throws<BpfException>(() => obj.Program("on_exec").SetAttachTarget("no_such_tracepoint_in_btf"));
        Assert.Contains("no_such_tracepoint_in_btf", error.Message);
    }

    [Fact]
    public void IteratorsRunOncePerOpenAndPrintThisProcesssThreads()
    {
        using var spec = SurfaceObject.Open();
        using var obj = spec.Load();
        Assert.Equal(BpfAttachType.TraceIter, obj.Program("custom_iter").ExpectedAttachType);
        foreach (var (program, prefix) in new[] { ("dump_task", "task"), ("custom_iter", "custom") })
        {
            using var link = obj.Program(program).AttachIterator();
            for (var run = 0; run < 2; run++)
            {
                using var stream = link.OpenIterator();
                var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                var pid = Environment.ProcessId;
                Assert.Contains($"{prefix} {pid} {pid}", lines);
                Assert.All(lines, line => Assert.StartsWith($"{prefix} {pid} ", line));
                Assert.True(lines.Length > 1, "a .NET process has more than one thread");
            }
        }
        using var notIterator = obj.Program("record_stack").Attach();
        Assert.ThrowsAny<BpfException>(() => notIterator.OpenIterator());
    }
}
