using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Gadget.Bpf;

namespace Gadget.Benchmarks;

/// <summary>
/// Consuming 64-byte records from a 16 MiB BPF ring buffer, or 1 KiB records from a 256 MiB one: Gadget's managed reader
/// against libbpf's C consumer. Before every iteration (not measured) the BPF program <c>fill_ring</c> (or
/// <c>fill_ring_large</c>) of bpf/ringbuf_bench.bpf.c writes <see cref="RecordsPerFill"/> records into the ring through
/// <c>BPF_PROG_TEST_RUN</c>; an iteration then consumes them
/// all, so the time per operation is the time per record. Every consumer does the same work per record: count it and add
/// up its first 8 bytes.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[WarmupCount(40)]
[IterationCount(20)]
[InvocationCount(1)]
public unsafe class RingBufferConsumeBenchmarks
{
    /// <summary>Records per fill: 200,000 x 72 bytes (64 + 8 header) = 14.4 MB of the 16 MiB ring, or 200,000 x 1,032
    /// bytes = 206 MB of the 256 MiB one.</summary>
    public const int RecordsPerFill = 200_000;

    /// <summary>The record size: 64 bytes (<c>bench_ring</c>) or 1 KiB (<c>bench_ring_large</c>).</summary>
    [Params(64, 1024)]
    public int RecordSize { get; set; } = 64;

    private BpfObject _object = null!;
    private BpfMap _ring = null!;
    private RingBufferReader? _reader;
    private RingBufferRecordHandler? _delegate;
    private CountingHandler _handler;
    private nint _libbpfRing;
    private CallbackState* _state;

    [GlobalSetup(Targets = [nameof(GadgetStructHandler), nameof(GadgetDelegate), nameof(GadgetForeach), nameof(GadgetOutOfLineCall)])]
    public void SetUpGadget()
    {
        LoadObject();
        _reader = new RingBufferReader(_ring);
        _delegate = record =>
        {
            _handler.Count++;
            _handler.Sum += MemoryMarshal.Read<ulong>(record);
        };
    }

    [GlobalSetup(Target = nameof(LibbpfCCallback))]
    public void SetUpLibbpfC() => SetUpLibbpf(NativeBenchmarkLibrary.Export("gadget_bench_on_record"));

    [GlobalSetup(Target = nameof(LibbpfManagedCallback))]
    public void SetUpLibbpfManaged() => SetUpLibbpf((nint)(delegate* unmanaged<void*, void*, nuint, int>)&OnLibbpfRecord);

    [IterationSetup]
    public void Fill()
    {
        _handler = default;
        if (_state is not null)
        {
            *_state = default;
        }
        Span<ulong> context = [RecordsPerFill];
        _object.Program(RecordSize == 64 ? "fill_ring" : "fill_ring_large").TestRun(MemoryMarshal.AsBytes(context));
    }

    [IterationCleanup]
    public void CheckEverythingWasConsumed()
    {
        var consumed = _state is not null ? _state->Count : _handler.Count;
        if (consumed != RecordsPerFill)
        {
            throw new InvalidOperationException($"consumed {consumed} records, expected {RecordsPerFill} (is the ring too small?)");
        }
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _reader?.Dispose();
        if (_libbpfRing != 0)
        {
            LibbpfRingBuffer.Free(_libbpfRing);
        }
        if (_state is not null)
        {
            NativeMemory.Free(_state);
        }
        _object.Dispose();
    }

    /// <summary>libbpf's <c>ring_buffer__consume</c> with a per-record callback written in C: what a C program does.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerFill)]
    public int LibbpfCCallback() => LibbpfRingBuffer.Consume(_libbpfRing);

    /// <summary>libbpf's <c>ring_buffer__consume</c> calling back into C# (<c>[UnmanagedCallersOnly]</c>) per record: a plain P/Invoke wrapper.</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int LibbpfManagedCallback() => LibbpfRingBuffer.Consume(_libbpfRing);

    /// <summary>Gadget's reader with a struct handler (<see cref="RingBufferReader.Consume{THandler}(ref THandler)"/>).</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int GadgetStructHandler() => _reader!.Consume(ref _handler);

    /// <summary>Gadget's reader with a <see cref="RingBufferRecordHandler"/> delegate.</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int GadgetDelegate() => _reader!.Consume(_delegate!);

    /// <summary>
    /// Gadget's reader with a struct handler that calls a method the JIT may not inline (<see cref="OnRecordOutOfLine"/>):
    /// what any handler that is not inlined into the loop costs, a delegate included, without the delegate.
    /// </summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int GadgetOutOfLineCall()
    {
        var handler = new OutOfLineHandler(ref _handler);
        return _reader!.Consume(ref handler);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OnRecordOutOfLine(ref CountingHandler counters, ReadOnlySpan<byte> record)
    {
        counters.Count++;
        counters.Sum += MemoryMarshal.Read<ulong>(record);
    }

    /// <summary>Calls <see cref="OnRecordOutOfLine"/> with the benchmark's counters.</summary>
    private ref struct OutOfLineHandler(ref CountingHandler counters) : IRingBufferHandler
    {
        private readonly ref CountingHandler _counters = ref counters;

        public void OnRecord(int ring, ReadOnlySpan<byte> record) => OnRecordOutOfLine(ref _counters, record);
    }

    /// <summary>Gadget's reader enumerated with <c>foreach</c> (<see cref="RingBufferReader.ReadAvailable"/>).</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerFill)]
    public int GadgetForeach()
    {
        foreach (var record in _reader!.ReadAvailable())
        {
            _handler.Count++;
            _handler.Sum += MemoryMarshal.Read<ulong>(record);
        }
        return (int)_handler.Count;
    }

    [UnmanagedCallersOnly]
    private static int OnLibbpfRecord(void* context, void* data, nuint size)
    {
        var state = (CallbackState*)context;
        state->Count++;
        state->Sum += Unsafe.ReadUnaligned<ulong>(data);
        return 0;
    }

    private void SetUpLibbpf(nint callback)
    {
        LoadObject();
        _state = (CallbackState*)NativeMemory.AllocZeroed((nuint)sizeof(CallbackState));
        _libbpfRing = LibbpfRingBuffer.New(_ring.FileDescriptor, callback, _state, null);
        if (_libbpfRing == 0)
        {
            throw new InvalidOperationException($"ring_buffer__new failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void LoadObject()
    {
        _object = BpfObject.LoadEmbeddedResource(typeof(RingBufferConsumeBenchmarks).Assembly, "ringbuf_bench.bpf.o");
        _ring = _object.Map(RecordSize == 64 ? "bench_ring" : "bench_ring_large");
    }

    /// <summary>Same layout as <c>struct gadget_bench_state</c> in native/ringbuf_callback.c.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CallbackState
    {
        public ulong Count;
        public ulong Sum;
    }

    private struct CountingHandler : IRingBufferHandler
    {
        public ulong Count;
        public ulong Sum;

        public void OnRecord(int ring, ReadOnlySpan<byte> record)
        {
            Count++;
            Sum += MemoryMarshal.Read<ulong>(record);
        }
    }
}
