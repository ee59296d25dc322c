using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>
/// Runs a burst of syscall_events.bpf.o's records with BPF_PROG_TEST_RUN: <c>emit_burst</c> (one run, bpf_loop: Linux
/// 5.17) where the kernel has bpf_loop, otherwise <c>emit_burst_step</c> once per record, so that the readers' tests
/// run on older kernels too. Both write the same records and counters.
/// </summary>
internal static class BurstPrograms
{
    /// <summary>Emits <paramref name="count"/> records of <paramref name="size"/> bytes to <paramref name="target"/> on <paramref name="cpu"/> (-1: any).</summary>
    internal static void Run(BpfObject obj, ulong count, ulong size, ulong target, int cpu = -1, bool? useLoop = null)
    {
        if (useLoop ?? KernelFeatures.Has(KernelFeatures.Loop))
        {
            ReadOnlySpan<ulong> context = [count, size, target];
            obj.Program("emit_burst").TestRun(MemoryMarshal.AsBytes(context), cpu: cpu);
            return;
        }
        var step = obj.Program("emit_burst_step");
        Span<ulong> stepContext = [0, size, target, 0];
        // count 0 still resets the counters, as emit_burst does.
        for (ulong i = 0; i == 0 || i < count; i++)
        {
            stepContext[0] = i < count ? 1UL : 0UL;
            stepContext[3] = i;
            step.TestRun(MemoryMarshal.AsBytes(stepContext), cpu: cpu);
        }
    }
}
