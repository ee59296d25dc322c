using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Gadget.Benchmarks;

/// <summary>
/// The configuration of the wake-up benchmarks: in-process (so the clock below is used in the benchmark's process),
/// measured with <see cref="ProcessCpuClock"/>, so "Mean" is CPU time of the whole process per delivered event, not wall
/// time; one invocation per iteration (an invocation receives <see cref="WakeupFixture.EventsPerInvoke"/> events, half a
/// second at 1,000 events/s); memory and threading diagnosers (allocations and thread-pool work items per event).
/// </summary>
internal sealed class WakeupBenchmarkConfig : ManualConfig
{
    public WakeupBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithClock(ProcessCpuClock.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(12)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithEvaluateOverhead(false)
            .WithId("CpuClock"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddDiagnoser(ThreadingDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
    }
}
