using BenchmarkDotNet.Attributes;
using Gadget.Bpf;

namespace Gadget.Benchmarks;

/// <summary>
/// CPU time per delivered ring buffer event at a low rate (see <see cref="WakeupFixture"/>): each event arrives while the
/// consumer waits, so every event costs one full wake-up. Arms: <see cref="RingBufferReader.WaitAsync"/> + Consume (the
/// async path the gadgets use), <see cref="RingBufferReader.Poll{THandler}(ref THandler, int, CancellationToken)"/> on
/// the benchmark thread (a blocking loop, the floor for a managed consumer), and libbpf's <c>ring_buffer__poll</c> with a
/// C callback (what a libbpf-tools C tool does).
/// </summary>
[Config(typeof(WakeupBenchmarkConfig))]
public class RingBufferWakeupBenchmarks
{
    private WakeupFixture _fixture = null!;
    private RingBufferReader _reader = null!;
    private nint _libbpfRing;
    private unsafe ulong* _libbpfState;

    /// <summary>Syscalls (so events) per second made by the pacer.</summary>
    [Params(1000)]
    public int EventsPerSecond { get; set; }

    [GlobalSetup]
    public unsafe void SetUp()
    {
        _fixture = new WakeupFixture(EventsPerSecond, outputMode: 0);
        var events = _fixture.Object.Map("events");
        _reader = new RingBufferReader(events);
        _libbpfState = (ulong*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(16);
        _libbpfRing = LibbpfRingBuffer.New(events.FileDescriptor, NativeBenchmarkLibrary.Export("gadget_bench_on_record"), _libbpfState, null);
        if (_libbpfRing == 0)
        {
            throw new InvalidOperationException("ring_buffer__new failed");
        }
    }

    /// <summary>Throws away what accumulated between iterations, so every iteration starts with an empty ring.</summary>
    [IterationSetup]
    public unsafe void Drain()
    {
        var counter = default(RecordCounter);
        _reader.Consume(ref counter);
        LibbpfRingBuffer.Consume(_libbpfRing);
        _libbpfState[0] = 0;
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

    [Benchmark(OperationsPerInvoke = WakeupFixture.EventsPerInvoke)]
    public unsafe ulong LibbpfPollC()
    {
        while (_libbpfState[0] < WakeupFixture.EventsPerInvoke)
        {
            if (LibbpfRingBuffer.Poll(_libbpfRing, -1) < 0)
            {
                throw new InvalidOperationException("ring_buffer__poll failed");
            }
        }
        return _libbpfState[0];
    }

    [GlobalCleanup]
    public unsafe void CleanUp()
    {
        _reader.Dispose();
        LibbpfRingBuffer.Free(_libbpfRing);
        System.Runtime.InteropServices.NativeMemory.Free(_libbpfState);
        _fixture.Dispose();
    }

    private struct RecordCounter : IRingBufferHandler
    {
        public int Count;

        public void OnRecord(int ring, ReadOnlySpan<byte> record) => Count++;
    }
}
