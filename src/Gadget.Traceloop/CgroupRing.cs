using Gadget.Bpf;

namespace Gadget.Traceloop;

/// <summary>
/// One ring of the recorder's pool: an overwritable perf ring per CPU in a slot of the kernel's <c>ring_pool</c>, spare until
/// it is given to a cgroup (by the kernel at the cgroup's first syscall, or by user space), and the assembler that decodes it.
/// </summary>
internal sealed class CgroupRing : IDisposable
{
    private readonly BpfMap _map;
    private readonly PerfFlightRecorder _reader;
    private readonly HistoryAssembler _assembler = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    internal CgroupRing(uint slot, int pagesPerCpu)
    {
        Slot = slot;
        PagesPerCpu = pagesPerCpu;
        var cpus = BpfEnvironment.PossibleCpuCount;
        _map = BpfMap.Create(BpfMapType.PerfEventArray, sizeof(uint), sizeof(uint), cpus, "traceloop_ring");
        try
        {
            _reader = new PerfFlightRecorder(_map, pagesPerCpu);
        }
        catch
        {
            _map.Dispose();
            throw;
        }
    }

    /// <summary>Its index in the kernel's <c>ring_pool</c>.</summary>
    internal uint Slot { get; }

    /// <summary>Its size: pages per CPU.</summary>
    internal int PagesPerCpu { get; }

    internal BpfMap Map => _map;

    /// <summary>The cgroup it records; null while it is spare.</summary>
    internal ulong? CgroupId { get; set; }

    /// <summary>When it started recording its cgroup (boot-time ns).</summary>
    internal ulong RecordingSinceNs { get; set; }

    /// <summary>Syscalls the cgroup made before it had this ring (the pool was empty).</summary>
    internal ulong MissedBeforeRecording { get; set; }

    /// <summary>Holders that keep it (<see cref="TraceloopTracer.AddCgroup(ulong, int?)"/> calls not yet released); 0: the kernel claimed it
    /// for a new cgroup and nobody has kept it yet.</summary>
    internal int References { get; set; }

    /// <summary>Of <see cref="References"/>, those that asked for every exit's time (<see cref="TraceloopTracer.AddCgroup(ulong, int?, bool)"/>).</summary>
    internal int ExitClockHolders { get; set; }

    /// <summary>Whether the kernel reads every recorded exit's clock for this ring's cgroup (its entry's CGROUP_EXIT_CLOCK;
    /// written into the entry when it records again after a stop).</summary>
    internal bool ExitClock { get; set; }

    /// <summary>When the kernel claimed it (Environment.TickCount64) while nobody keeps it; freed when that lasts too long.</summary>
    internal long ClaimedAtTicks { get; set; }

    /// <summary>Whether the kernel still writes to this ring (false once the cgroup is gone or recording stopped).</summary>
    internal bool Recording { get; set; }

    /// <summary>Bytes of ring per CPU.</summary>
    internal int RingSize => _reader.RingSize;

    internal SyscallHistory Dump(ulong since, ReadOnlySpan<Bpf.RingCounters> counters, Rings.UnwrittenRecords unwritten)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                throw new KeyNotFoundException($"The ring of cgroup {CgroupId} was released while it was being read.");
            }
            _assembler.Reset();
            // Before the ring: what is written to the ring in between is then there (the copies read here are dropped).
            if (CgroupId is { } cgroupId)
            {
                unwritten.Read(Slot, cgroupId, _assembler);
            }
            var handler = new Collector(_assembler);
            _reader.ReadNewestFirst(ref handler);
            return _assembler.BuildHistory(_reader.RingSize, counters, RecordingSinceNs, MissedBeforeRecording, since);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _reader.Dispose();
            _map.Dispose();
        }
    }

    private readonly struct Collector(HistoryAssembler assembler) : IPerfBufferHandler
    {
        public void OnRecord(int cpu, ReadOnlySpan<byte> record) => assembler.Add(cpu, record);

        public void OnLost(int cpu, ulong count) => assembler.AddLost(count);
    }
}
