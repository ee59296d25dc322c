using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Gadget.Bpf;

namespace Gadget.Benchmarks;

/// <summary>
/// Consuming 64-byte samples from a BPF perf event array (16 MiB per CPU): Gadget's <see cref="PerfBufferReader"/>
/// against libbpf's C consumer (<c>perf_buffer__consume</c>). Before every iteration (not measured) the BPF program
/// <c>fill_perf</c> of bpf/ringbuf_bench.bpf.c writes <see cref="RecordsPerFill"/> samples into CPU 0's ring through
/// <c>BPF_PROG_TEST_RUN</c>; an iteration then consumes them all, so the time per operation is the time per sample.
/// Every consumer does the same work per sample: count it and add up its first 8 bytes.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[WarmupCount(40)]
[IterationCount(20)]
[InvocationCount(1)]
public unsafe class PerfBufferConsumeBenchmarks
{
    /// <summary>Samples per fill: 150,000 x 80 bytes (8 header + 4 size + 64, padded) = 12 MB of the 16 MiB ring.</summary>
    public const int RecordsPerFill = 150_000;

    /// <summary>Pages per CPU ring, for both consumers: 16 MiB.</summary>
    public const int PagesPerCpu = 4096;

    private BpfObject _object = null!;
    private BpfMap _perf = null!;
    private PerfBufferReader? _reader;
    private PerfRecordHandler? _delegate;
    private CountingHandler _handler;
    private nint _libbpfBuffer;
    private CallbackState* _state;

    [GlobalSetup(Targets = [nameof(GadgetStructHandler), nameof(GadgetDelegate)])]
    public void SetUpGadget()
    {
        LoadObject();
        _reader = new PerfBufferReader(_perf, new PerfBufferOptions { PageCount = PagesPerCpu });
        _delegate = (_, record) =>
        {
            _handler.Count++;
            _handler.Sum += MemoryMarshal.Read<ulong>(record);
        };
    }

    [GlobalSetup(Target = nameof(LibbpfCCallback))]
    public void SetUpLibbpf()
    {
        LoadObject();
        _state = (CallbackState*)NativeMemory.AllocZeroed((nuint)sizeof(CallbackState));
        _libbpfBuffer = LibbpfPerfBuffer.New(_perf.FileDescriptor, PagesPerCpu, NativeBenchmarkLibrary.Export("gadget_bench_on_sample"), 0, _state, null);
        if (_libbpfBuffer == 0)
        {
            throw new InvalidOperationException($"perf_buffer__new failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [IterationSetup]
    public void Fill()
    {
        _handler = default;
        if (_state is not null)
        {
            *_state = default;
        }
        Span<ulong> context = [RecordsPerFill];
        _object.Program("fill_perf").TestRun(MemoryMarshal.AsBytes(context), cpu: 0);
        var dropped = _object.GetGlobal<ulong>("bench_perf_dropped");
        if (dropped != 0)
        {
            throw new InvalidOperationException($"the perf ring refused {dropped} samples (too small?)");
        }
    }

    [IterationCleanup]
    public void CheckEverythingWasConsumed()
    {
        var consumed = _state is not null ? _state->Count : _handler.Count;
        if (consumed != RecordsPerFill)
        {
            throw new InvalidOperationException($"consumed {consumed} samples, expected {RecordsPerFill}");
        }
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _reader?.Dispose();
        if (_libbpfBuffer != 0)
        {
            LibbpfPerfBuffer.Free(_libbpfBuffer);
        }
        if (_state is not null)
        {
            NativeMemory.Free(_state);
        }
        _object.Dispose();
    }

    /// <summary>libbpf's <c>perf_buffer__consume</c> with a per-sample callback written in C: what a C program does.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerFill)]
    public int LibbpfCCallback() => LibbpfPerfBuffer.Consume(_libbpfBuffer);

    /// <summary>Gadget's reader with a struct handler (<see cref="PerfBufferReader.Consume{THandler}(ref THandler)"/>).</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int GadgetStructHandler() => _reader!.Consume(ref _handler);

    /// <summary>Gadget's reader with a <see cref="PerfRecordHandler"/> delegate.</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int GadgetDelegate() => _reader!.Consume(_delegate!);

    private void LoadObject()
    {
        _object = BpfObject.LoadEmbeddedResource(typeof(PerfBufferConsumeBenchmarks).Assembly, "ringbuf_bench.bpf.o");
        _perf = _object.Map("bench_perf");
    }

    /// <summary>Same layout as <c>struct gadget_bench_state</c> in native/ringbuf_callback.c.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CallbackState
    {
        public ulong Count;
        public ulong Sum;
    }

    private struct CountingHandler : IPerfBufferHandler
    {
        public ulong Count;
        public ulong Sum;

        public void OnRecord(int cpu, ReadOnlySpan<byte> record)
        {
            Count++;
            Sum += MemoryMarshal.Read<ulong>(record);
        }

        public void OnLost(int cpu, ulong count)
        {
        }
    }
}
