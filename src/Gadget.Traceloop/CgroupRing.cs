using Gadget.Bpf;

namespace Gadget.Traceloop;

/// <summary>One traced cgroup's flight recorder: an overwritable perf ring per CPU, and the assembler that decodes it.</summary>
internal sealed class CgroupRing : IDisposable
{
    private readonly BpfMap _map;
    private readonly PerfBufferReader _reader;
    private readonly HistoryAssembler _assembler = new();
    private readonly Lock _gate = new();

    internal CgroupRing(ulong cgroupId, int pagesPerCpu)
    {
        CgroupId = cgroupId;
        var cpus = BpfEnvironment.PossibleCpuCount;
        _map = BpfMap.Create(BpfMapType.PerfEventArray, sizeof(uint), sizeof(uint), cpus, "traceloop_ring");
        try
        {
            _reader = new PerfBufferReader(_map, new PerfBufferOptions { PageCount = pagesPerCpu, Overwritable = true });
        }
        catch
        {
            _map.Dispose();
            throw;
        }
    }

    internal ulong CgroupId { get; }

    internal int MapFileDescriptor => _map.FileDescriptor;

    /// <summary>Whether the kernel still writes to this ring (false once the container is gone or detached).</summary>
    internal bool Recording { get; set; } = true;

    /// <summary>Bytes of ring per CPU.</summary>
    internal int RingSize => _reader.RingSize;

    internal int DroppedExits { get; private set; }

    internal List<SyscallRecord> Dump(ulong since)
    {
        lock (_gate)
        {
            _assembler.Reset();
            var handler = new Collector(_assembler);
            _reader.ReadNewestFirst(ref handler);
            var records = _assembler.Build(_reader.RingSize, since);
            DroppedExits = _assembler.DroppedExits;
            return records;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reader.Dispose();
            _map.Dispose();
        }
    }

    private readonly struct Collector(HistoryAssembler assembler) : IPerfBufferHandler
    {
        public void OnRecord(int cpu, ReadOnlySpan<byte> data) => assembler.Add(cpu, data);

        public void OnLost(int cpu, ulong count) => assembler.AddLost(count);
    }
}
