using System.Runtime.InteropServices;
using Gadget.Bpf;
using Gadget.Traceloop.Bpf;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop.Rings;

/// <summary>
/// Who keeps which ring: the references of <see cref="TraceloopTracer.AddCgroup(ulong, int?)"/> callers, the rings the kernel claimed for
/// new cgroups until a follower (<see cref="ContainerRecorder"/>) keeps or declines them, and a thread that reads the
/// kernel's ring events to refill the spare pool at once and to free what nobody keeps.
/// </summary>
/// <remarks>
/// New cgroups are claimed only while someone follows (the <c>cgroup_mkdir</c> program is attached then): without a
/// follower nobody would decide about them. A claimed ring that every follower declined, whose cgroup was removed, or that
/// nobody kept within <see cref="TraceloopOptions.UnkeptRingTimeout"/>, is freed.
/// </remarks>
internal sealed class RingKeeper : IDisposable
{
    private const int DeclineMemoryMilliseconds = 120_000;

    private readonly Lock _gate = new();
    private readonly BpfObject _object;
    private readonly RingPool _pool;
    private readonly RingBufferReader _events;
    private readonly UnwrittenRecords _unwritten;
    private readonly BpfProgram _mkdirProgram;
    private const int BurstFactor = 8;
    private const long BurstCalmMilliseconds = 30_000;
    private readonly int _spareTarget;
    private int _burstTarget;
    private long _lastEmptyTicks;
    private readonly long _unkeptTimeoutMs;
    private readonly ILogger? _logger;
    private readonly List<object> _followers = [];
    private readonly ExitClockChoices _exitClocks;
    private readonly Dictionary<ulong, (HashSet<object> By, long At)> _declines = [];
    private readonly List<RingEvent> _pending = [];
    private readonly Thread _worker;
    private BpfLink? _mkdirLink;
    private ulong _eventsLostSeen;
    private long _cgroupsFull;
    private long _lastFullWarningTicks = long.MinValue / 2; // "long ago", without overflowing a subtraction from now
    private long _ringFailures;
    private long _lastRingFailureWarningTicks = long.MinValue / 2;
    private Type? _lastFailureType;
    private long _lastFailureWarningTicks = long.MinValue / 2;
    private volatile bool _stopping;

    internal RingKeeper(BpfObject loaded, TraceloopOptions options)
    {
        _object = loaded;
        _logger = options.Logger;
        _spareTarget = options.SpareRings;
        _burstTarget = options.SpareRings;
        _unkeptTimeoutMs = (long)options.UnkeptRingTimeout.TotalMilliseconds;
        _mkdirProgram = loaded.Program("traceloop_cgroup_mkdir");
        _pool = new RingPool(loaded, options.MaxContainers + options.SpareRings, options.PagesPerCpu, options.Logger);
        _exitClocks = new ExitClockChoices(loaded, _pool, options.ExitTimestamps, (cgroupId, follower) => _declines.TryGetValue(cgroupId, out var d) && d.By.Contains(follower));
        _events = new RingBufferReader(loaded.Map("ring_events"));
        _unwritten = new UnwrittenRecords(loaded.Map("scratch"));
        _worker = new Thread(Run) { IsBackground = true, Name = "gadget-traceloop-rings" };
        _worker.Start();
    }

    internal IReadOnlyCollection<ulong> Cgroups
    {
        get
        {
            lock (_gate)
            {
                return [.. _pool.Cgroups];
            }
        }
    }

    /// <summary>Records the kernel could not write, all rings (the rings were paused while being read).</summary>
    internal ulong NotWritten
    {
        get
        {
            lock (_gate)
            {
                ulong total = 0;
                foreach (var ring in _pool.Rings)
                {
                    foreach (var counters in _pool.ReadCounters(ring))
                    {
                        total += counters.Failed;
                    }
                }
                return total;
            }
        }
    }

    /// <summary>Spare rings left in the pool for new cgroups.</summary>
    internal int SpareRings
    {
        get
        {
            lock (_gate)
            {
                return _pool.SpareCount;
            }
        }
    }

    /// <summary>New cgroups the kernel's table of cgroups could not note because it was full (since start), as the warning counts them.</summary>
    internal long CgroupsNotNoted
    {
        get
        {
            lock (_gate)
            {
                return _cgroupsFull;
            }
        }
    }

    /// <summary>Syscalls of new cgroups made while no spare ring was left (all cgroups, since start).</summary>
    internal ulong MissedForEmptyPool => _object.GetGlobal<ulong>("pool_empty");

    /// <summary>Takes a reference on <paramref name="cgroupId"/>'s ring (made, or claimed by the kernel) and makes it record,
    /// reading every exit's clock while a reference taken with <paramref name="exitClock"/> is held (<see cref="ExitClockChoices"/>).</summary>
    /// <returns>Whether nobody kept it before.</returns>
    internal bool Keep(ulong cgroupId, int pagesPerCpu, bool exitClock)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, typeof(TraceloopTracer));
            var ring = _pool.Keep(cgroupId, pagesPerCpu, _exitClocks.WhenKept(cgroupId, exitClock));
            _exitClocks.Kept(ring, exitClock);
            ring.References++;
            return ring.References == 1;
        }
    }

    internal bool Stop(ulong cgroupId)
    {
        lock (_gate)
        {
            if (_stopping || _pool.Find(cgroupId) is not { } ring)
            {
                return false;
            }
            _pool.Stop(ring);
            return true;
        }
    }

    /// <summary>Releases one reference, taken with <paramref name="exitClock"/>; the last frees the ring.</summary>
    internal bool Release(ulong cgroupId, bool exitClock)
    {
        lock (_gate)
        {
            if (_stopping || _pool.Find(cgroupId) is not { } ring)
            {
                return false;
            }
            var freed = --ring.References <= 0;
            _exitClocks.Released(ring, exitClock, freed);
            if (freed)
            {
                _pool.Free(ring);
                _logger?.LogDebug("Released the ring of cgroup {CgroupId}.", cgroupId);
            }
            return true;
        }
    }

    internal bool IsRecording(ulong cgroupId)
    {
        lock (_gate)
        {
            return _pool.Find(cgroupId) is { Recording: true };
        }
    }

    internal SyscallHistory Dump(ulong cgroupId, ulong since)
    {
        CgroupRing ring;
        RingCounters[] counters;
        lock (_gate)
        {
            ring = _pool.Find(cgroupId) ?? throw new KeyNotFoundException($"cgroup {cgroupId} is not traced by this traceloop tracer.");
            counters = _pool.ReadCounters(ring);
        }
        return ring.Dump(since, counters, _unwritten);
    }

    /// <summary>A follower starts deciding about new cgroups: the first makes the kernel claim rings for them. While one that
    /// asks for exit timestamps (<paramref name="exitClock"/>) follows, new cgroups read every exit's clock from their first syscall.</summary>
    internal void AddFollower(object follower, bool exitClock)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, typeof(TraceloopTracer));
            _followers.Add(follower);
            _exitClocks.FollowerAdded(follower, exitClock);
            if (_mkdirLink is null && _spareTarget > 0)
            {
                if (_pool.Refill(_spareTarget) is { } failure)
                {
                    if (_pool.SpareCount == 0)
                    {
                        _followers.Remove(follower);
                        _exitClocks.FollowerRemoved(follower);
                        throw failure; // not one ring for new containers: say so to whoever starts following
                    }
                    ReportRingFailure(failure);
                }
                _mkdirLink = _mkdirProgram.Attach();
            }
        }
    }

    internal void RemoveFollower(object follower)
    {
        lock (_gate)
        {
            if (!_followers.Remove(follower) || _stopping)
            {
                return;
            }
            _exitClocks.FollowerRemoved(follower);
            foreach (var (_, decline) in _declines)
            {
                decline.By.Remove(follower);
            }
            if (_followers.Count == 0)
            {
                _mkdirLink?.Dispose();
                _mkdirLink = null;
                _pool.ForgetCandidates();
                _declines.Clear();
            }
            FreeUnkept(static (_, _) => false);
        }
    }

    /// <summary>A follower does not want <paramref name="cgroupId"/> (not a selected container): freed once every follower said so.</summary>
    internal void Decline(ulong cgroupId, object follower)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
            if (!_declines.TryGetValue(cgroupId, out var decline))
            {
                decline = ([], Environment.TickCount64);
                _declines[cgroupId] = decline;
            }
            decline.By.Add(follower);
            _exitClocks.Declined(cgroupId, follower);
            if (!DeclinedByAll(cgroupId))
            {
                return;
            }
            if (_pool.Find(cgroupId) is { References: 0 } ring)
            {
                _pool.Free(ring);
                _logger?.LogDebug("Freed the ring the kernel claimed for cgroup {CgroupId}: no follower records it.", cgroupId);
            }
            else
            {
                _pool.ForgetCandidate(cgroupId);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            _mkdirLink?.Dispose();
            _mkdirLink = null;
        }
        if (Thread.CurrentThread != _worker)
        {
            _worker.Join();
        }
        _events.Dispose();
        _pool.Dispose();
    }

    private bool DeclinedByAll(ulong cgroupId) =>
        _followers.Count == 0 || (_declines.TryGetValue(cgroupId, out var decline) && _followers.TrueForAll(decline.By.Contains));

    private void Run()
    {
        RingBufferRecordHandler collect = record =>
        {
            if (record.Length >= RingEvent.Size)
            {
                _pending.Add(MemoryMarshal.Read<RingEvent>(record));
            }
        };
        while (!_stopping)
        {
            try
            {
                _events.Poll(collect, 100);
                lock (_gate)
                {
                    if (_stopping)
                    {
                        break;
                    }
                    foreach (var e in _pending)
                    {
                        Handle(e);
                    }
                    _pending.Clear();
                    Maintain();
                }
            }
            catch (Exception e) when (!_stopping)
            {
                _pending.Clear();
                // Retried every 100 ms: the same failure is logged once a minute, not ten times a second.
                var now = Environment.TickCount64;
                if (e.GetType() != _lastFailureType || now - _lastFailureWarningTicks >= 60_000)
                {
                    _lastFailureType = e.GetType();
                    _lastFailureWarningTicks = now;
                    _logger?.LogWarning(e, "traceloop could not manage its ring pool");
                }
                Thread.Sleep(100);
            }
        }
    }

    private void Handle(in RingEvent e)
    {
        switch ((RingEventKind)e.Kind)
        {
            case RingEventKind.Claimed:
                if (_pool.OnClaimed(e.CgroupId, e.Slot) is { References: 0 } claimed && DeclinedByAll(e.CgroupId))
                {
                    _pool.Free(claimed);
                }
                break;
            case RingEventKind.PoolEmpty:
                // Containers start faster than the pool is refilled: keep more spares for a while (up to 8x SpareRings).
                _burstTarget = Math.Min(Math.Max(1, _burstTarget) * 2, Math.Max(1, _spareTarget) * BurstFactor);
                _lastEmptyTicks = Environment.TickCount64;
                _logger?.LogWarning("No spare traceloop ring was left when new cgroup {CgroupId} made its first syscall: its syscalls are counted, not recorded, until it gets one (TraceloopOptions.SpareRings {Spare}, MaxContainers).", e.CgroupId, _spareTarget);
                break;
            case RingEventKind.CgroupsFull:
                // Only root's new cgroups are noted (see traceloop_cgroup_mkdir): this many of them is a warning's worth.
                _cgroupsFull++;
                if (Environment.TickCount64 - _lastFullWarningTicks >= 60_000)
                {
                    _lastFullWarningTicks = Environment.TickCount64;
                    _logger?.LogWarning("traceloop's table of cgroups is full: new cgroup {CgroupId} ({Count} so far) gets no ring at its first syscall; a container there is recorded only from when it is registered.", e.CgroupId, _cgroupsFull);
                }
                break;
            case RingEventKind.CgroupRemoved:
                // Stopped, not freed: a container that died at start may be reported (and kept) only after its runtime
                // removed its cgroup; a ring nobody keeps goes when its followers decline it or after UnkeptRingTimeout.
                if (_pool.Find(e.CgroupId) is { } removed)
                {
                    _pool.Stop(removed);
                    if (removed.References == 0 && DeclinedByAll(e.CgroupId))
                    {
                        _pool.Free(removed);
                    }
                }
                break;
        }
    }

    /// <summary>Refills the spare pool, adopts claims whose event was lost, frees what nobody kept in time.</summary>
    private void Maintain()
    {
        var lost = _object.GetGlobal<ulong>("ring_events_lost");
        if (lost != _eventsLostSeen)
        {
            _eventsLostSeen = lost;
            foreach (var ring in _pool.Reconcile())
            {
                if (ring.References == 0 && DeclinedByAll(ring.CgroupId!.Value))
                {
                    _pool.Free(ring);
                }
            }
        }
        var now = Environment.TickCount64;
        FreeUnkept((ring, timeout) => now - ring.ClaimedAtTicks > timeout);
        foreach (var (cgroupId, decline) in _declines.Where(d => now - d.Value.At > DeclineMemoryMilliseconds).ToList())
        {
            _declines.Remove(cgroupId);
        }
        // Spare rings while new cgroups are claimed; in any case, the freed rings are disposed.
        if (_burstTarget > _spareTarget && now - _lastEmptyTicks > BurstCalmMilliseconds)
        {
            _burstTarget = Math.Max(_spareTarget, _burstTarget / 2);
            _lastEmptyTicks = now;
        }
        ReportRingFailure(_pool.Refill(_mkdirLink is not null ? _burstTarget : 0));
    }

    /// <summary>
    /// Logs why the pool could not be refilled (no descriptors or memory left), at most once a minute with how often it
    /// happened since: it is retried at every event and every 100 ms, and every new cgroup finds the pool empty meanwhile
    /// (counted in <see cref="MissedForEmptyPool"/>).
    /// </summary>
    private void ReportRingFailure(Exception? failure)
    {
        if (failure is null)
        {
            return;
        }
        _ringFailures++;
        var now = Environment.TickCount64;
        if (now - _lastRingFailureWarningTicks >= 60_000)
        {
            _lastRingFailureWarningTicks = now;
            _logger?.LogWarning("traceloop could not make a spare ring ({Count} times since the last warning; {Spare} spare): {Reason}", _ringFailures, _pool.SpareCount, failure.Message);
            _ringFailures = 0;
        }
    }

    /// <summary>Frees the rings the kernel claimed that nobody keeps, when <paramref name="due"/> says so, or every follower declined.</summary>
    private void FreeUnkept(Func<CgroupRing, long, bool> due)
    {
        foreach (var ring in _pool.Rings.Where(r => r.References == 0).ToList())
        {
            if (due(ring, _unkeptTimeoutMs) || DeclinedByAll(ring.CgroupId!.Value))
            {
                _logger?.LogDebug("Freed the ring claimed for cgroup {CgroupId}: nobody kept it.", ring.CgroupId);
                _pool.Free(ring);
            }
        }
    }
}
