using BenchmarkDotNet.Attributes;
using Gadget.Bpf;

namespace Gadget.Benchmarks;

/// <summary>
/// CPU time per delivered perf buffer event at a low rate (see <see cref="WakeupFixture"/>), one wake-up per event
/// (<see cref="PerfBufferOptions.WakeupEvents"/> = 1, the default): <see cref="PerfBufferReader.WaitAsync"/> + Consume
/// against a blocking <see cref="PerfBufferReader.Poll{THandler}(ref THandler, int, CancellationToken)"/> loop.
/// </summary>
[Config(typeof(WakeupBenchmarkConfig))]
public class PerfBufferWakeupBenchmarks
{
    private WakeupFixture _fixture = null!;
    private PerfBufferReader _reader = null!;

    /// <summary>Syscalls (so events) per second made by the pacer.</summary>
    [Params(1000)]
    public int EventsPerSecond { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _fixture = new WakeupFixture(EventsPerSecond, outputMode: 1);
        _reader = new PerfBufferReader(_fixture.Object.Map("perf_events"));
    }

    [IterationSetup]
    public void Drain()
    {
        var counter = default(RecordCounter);
        _reader.Consume(ref counter);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = WakeupFixture.EventsPerInvoke)]
    public async Task<int> GadgetWaitAsync()
    {
        var counter = default(RecordCounter);
        while (counter.Count < WakeupFixture.EventsPerInvoke)
        {
            if (!await _reader.WaitAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException("the reader was disposed");
            }
            _reader.Consume(ref counter);
        }
        return counter.Count;
    }

    [Benchmark(OperationsPerInvoke = WakeupFixture.EventsPerInvoke)]
    public int GadgetPollBlocking()
    {
        var counter = default(RecordCounter);
        while (counter.Count < WakeupFixture.EventsPerInvoke)
        {
            _reader.Poll(ref counter, Timeout.Infinite);
        }
        return counter.Count;
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _reader.Dispose();
        _fixture.Dispose();
    }

    private struct RecordCounter : IPerfBufferHandler
    {
        public int Count;

        public void OnRecord(int cpu, ReadOnlySpan<byte> data) => Count++;

        public void OnLost(int cpu, ulong count)
        {
        }
    }
}
