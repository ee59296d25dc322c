namespace Gadget.Bpf.Tests;

/// <summary>
/// libbpf_surface.bpf.o opened as its tests need it: for this process, its stack map sized (declared with value size 0),
/// its custom-section programs given a type (or not loaded), the tp_btf program given its target.
/// </summary>
internal static class SurfaceObject
{
    internal const int StackFrames = 32;

    internal static BpfObjectSpec Open(bool configure = true)
    {
        var obj = TestObjects.Open(TestObjects.LibbpfSurface);
        obj.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        if (configure)
        {
            obj.Map("stacks").ValueSize = StackFrames * sizeof(ulong);
            obj.Program("on_exec").SetAttachTarget("sched_process_exec");
            obj.Program("custom_section").Type = BpfProgramType.RawTracepoint;
            var iterator = obj.Program("custom_iter");
            iterator.Type = BpfProgramType.Tracing;
            iterator.ExpectedAttachType = BpfAttachType.TraceIter;
            iterator.SetAttachTarget("task");
        }
        return obj;
    }
}
