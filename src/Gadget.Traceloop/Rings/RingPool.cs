using System.Runtime.InteropServices;
using Gadget.Bpf;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop.Rings;

/// <summary>
/// User space's side of bpf/traceloop_rings.h: the rings in the kernel's <c>ring_pool</c> slots, which of them are spare
/// (queued in <c>spare_slots</c> for the kernel to claim at a new cgroup's first syscall) and which cgroup each records.
/// Not thread-safe: <see cref="TraceloopTracer"/> calls it under its lock.
/// </summary>
/// <remarks>
/// A slot is freed in this order: the cgroup's entry goes from <c>cgroups</c> (no new lookup finds the slot), then its
/// claim, then the ring from <c>ring_pool</c>. Deleting from a map of maps waits for the BPF programs running at that
/// moment to finish (the kernel's <c>synchronize_rcu</c> for map-in-map updates), so no program still writes to the old
/// ring when the slot gets a fresh one.
/// </remarks>
internal sealed class RingPool : IDisposable
{
    internal const uint NoSlot = uint.MaxValue;

    private readonly BpfMapOfMaps<uint> _pool;
    private readonly BpfMap _spareSlots;
    private readonly BpfPerCpuMap<uint, RingCounters> _counters;
    private readonly BpfMap<ulong, CgroupState> _cgroups;
    private readonly BpfMap<ulong, RingClaim> _claims;
    private readonly CgroupRing?[] _slots;
    private readonly HashSet<uint> _spares = [];
    private readonly Dictionary<ulong, CgroupRing> _byCgroup = [];
    private readonly int _pagesPerCpu;
    private readonly ILogger? _logger;

    internal RingPool(BpfObject loaded, int capacity, int pagesPerCpu, ILogger? logger)
    {
        _pool = loaded.Map("ring_pool").AsMapOfMaps<uint>();
        _spareSlots = loaded.Map("spare_slots");
        _counters = loaded.Map("slot_counters").AsPerCpu<uint, RingCounters>();
        _cgroups = loaded.Map("cgroups").As<ulong, CgroupState>();
        _claims = loaded.Map("claims").As<ulong, RingClaim>();
        _slots = new CgroupRing?[capacity];
        _pagesPerCpu = pagesPerCpu;
        _logger = logger;
    }

    /// <summary>Sets the sizes of the pool's maps in an object not loaded yet: <paramref name="capacity"/> rings at most.</summary>
    internal static void Size(BpfObject unloaded, int capacity)
    {
        foreach (var name in (string[])["ring_pool", "spare_slots", "slot_counters", "claims"])
        {
            unloaded.Map(name).SetMaxEntries(capacity);
        }
    }

    /// <summary>The cgroups with a ring.</summary>
    internal IReadOnlyCollection<ulong> Cgroups => _byCgroup.Keys;

    /// <summary>The rings given to cgroups (kept or claimed).</summary>
    internal IEnumerable<CgroupRing> Rings => _byCgroup.Values;

    /// <summary>Spare rings queued for the kernel (some may have been claimed since: see <see cref="Reconcile"/>).</summary>
    internal int SpareCount => _spares.Count;

    internal CgroupRing? Find(ulong cgroupId) => _byCgroup.GetValueOrDefault(cgroupId);

    /// <summary>Queues fresh rings until <paramref name="target"/> are spare (or every slot is used).</summary>
    internal void Refill(int target)
    {
        Span<byte> value = stackalloc byte[sizeof(uint)];
        while (_spares.Count < target && FreeSlot() is { } slot)
        {
            var ring = Fill(slot, _pagesPerCpu);
            MemoryMarshal.Write(value, in slot);
            try
            {
                _spareSlots.Update(ReadOnlySpan<byte>.Empty, value);
            }
            catch
            {
                Free(ring);
                throw;
            }
            _spares.Add(slot);
        }
    }

    /// <summary>A ring for <paramref name="cgroupId"/>, recording: the one it has, the one the kernel claimed for it, or a new one.</summary>
    internal CgroupRing Keep(ulong cgroupId, int pagesPerCpu)
    {
        if (!_byCgroup.TryGetValue(cgroupId, out var ring))
        {
            ring = _claims.TryLookup(cgroupId, out var claim) ? Adopt(cgroupId, claim, claimedByKernel: true) : Create(cgroupId, pagesPerCpu);
        }
        if (!ring.Recording)
        {
            Record(ring);
        }
        return ring;
    }

    /// <summary>The kernel claimed <paramref name="slot"/> for a new cgroup: note it (nobody keeps it yet).</summary>
    internal CgroupRing? OnClaimed(ulong cgroupId, uint slot)
    {
        if (_byCgroup.TryGetValue(cgroupId, out var known))
        {
            return known;
        }
        // The claim may be gone already (the cgroup was removed and freed in between): the map is the truth.
        return _claims.TryLookup(cgroupId, out var claim) && claim.Slot == slot ? Adopt(cgroupId, claim, claimedByKernel: true) : null;
    }

    /// <summary>Slots the kernel claimed whose event was lost: found in the claims map.</summary>
    internal List<CgroupRing> Reconcile()
    {
        var found = new List<CgroupRing>();
        foreach (var (cgroupId, claim) in _claims.Entries.ToList())
        {
            if (!_byCgroup.ContainsKey(cgroupId) && claim.Slot < _slots.Length && _slots[claim.Slot] is not null)
            {
                found.Add(Adopt(cgroupId, claim, claimedByKernel: true));
            }
        }
        return found;
    }

    /// <summary>Stops writing to <paramref name="ring"/> (its history stays readable).</summary>
    internal void Stop(CgroupRing ring)
    {
        if (ring.CgroupId is { } cgroupId)
        {
            _cgroups.Delete(cgroupId);
        }
        ring.Recording = false;
    }

    /// <summary>Stops recording and frees the ring; its slot can take a fresh one.</summary>
    internal void Free(CgroupRing ring)
    {
        if (ring.CgroupId is { } cgroupId)
        {
            _cgroups.Delete(cgroupId);
            _claims.Delete(cgroupId);
            _byCgroup.Remove(cgroupId);
        }
        _pool.Delete(ring.Slot); // waits for the programs running now: none writes to this ring after
        _spares.Remove(ring.Slot);
        _slots[ring.Slot] = null;
        ring.Dispose();
    }

    /// <summary>Forgets a new cgroup that has no ring yet, so that the kernel does not claim one for it.</summary>
    internal void ForgetCandidate(ulong cgroupId)
    {
        if (_cgroups.TryLookup(cgroupId, out var state) && state.Slot == NoSlot)
        {
            _cgroups.Delete(cgroupId);
        }
    }

    /// <summary>Forgets every new cgroup that has no ring yet (when new cgroups are no longer claimed).</summary>
    internal void ForgetCandidates()
    {
        foreach (var (cgroupId, state) in _cgroups.Entries.ToList())
        {
            if (state.Slot == NoSlot)
            {
                _cgroups.Delete(cgroupId);
            }
        }
    }

    /// <summary>Each CPU's counters of <paramref name="ring"/>'s slot (index: CPU).</summary>
    internal RingCounters[] ReadCounters(CgroupRing ring)
    {
        var values = new RingCounters[_counters.CpuCount];
        _counters.TryLookup(ring.Slot, values);
        return values;
    }

    public void Dispose()
    {
        foreach (var ring in _slots)
        {
            ring?.Dispose();
        }
        Array.Clear(_slots);
        _byCgroup.Clear();
        _spares.Clear();
    }

    private uint? FreeSlot()
    {
        for (var i = 0u; i < _slots.Length; i++)
        {
            if (_slots[i] is null)
            {
                return i;
            }
        }
        return null;
    }

    /// <summary>A fresh ring in <paramref name="slot"/>, with its counters at zero.</summary>
    private CgroupRing Fill(uint slot, int pagesPerCpu)
    {
        var ring = new CgroupRing(slot, pagesPerCpu);
        try
        {
            _counters.Update(slot, new RingCounters[_counters.CpuCount]);
            _pool.SetInnerMap(slot, ring.Map);
        }
        catch
        {
            ring.Dispose();
            throw;
        }
        _slots[slot] = ring;
        return ring;
    }

    /// <summary>Gives the ring of <paramref name="claim"/>'s slot to <paramref name="cgroupId"/>; a claim of the kernel's records already.</summary>
    private CgroupRing Adopt(ulong cgroupId, RingClaim claim, bool claimedByKernel)
    {
        var ring = _slots[claim.Slot] ?? throw new InvalidOperationException($"cgroup {cgroupId} claimed slot {claim.Slot}, which has no ring.");
        _spares.Remove(claim.Slot);
        ring.CgroupId = cgroupId;
        ring.RecordingSinceNs = claim.Timestamp;
        ring.MissedBeforeRecording = _cgroups.TryLookup(cgroupId, out var state) ? state.Missed : 0;
        ring.Recording = claimedByKernel;
        ring.ClaimedAtTicks = Environment.TickCount64;
        _byCgroup[cgroupId] = ring;
        if (claimedByKernel)
        {
            _logger?.LogDebug("cgroup {CgroupId} claimed ring slot {Slot} at its first syscall.", cgroupId, claim.Slot);
        }
        return ring;
    }

    /// <summary>A ring made for <paramref name="cgroupId"/> by user space (a cgroup that existed before, or one not claimed yet).</summary>
    private CgroupRing Create(ulong cgroupId, int pagesPerCpu)
    {
        var slot = FreeSlot() ?? throw new InvalidOperationException(
            $"Every one of the {_slots.Length} rings is in use (TraceloopOptions.MaxContainers plus SpareRings): release a cgroup first.");
        var ring = Fill(slot, pagesPerCpu);
        var claim = new RingClaim { Slot = slot, Timestamp = BpfEnvironment.BootTimeNanoseconds };
        if (!_claims.TryAdd(cgroupId, claim))
        {
            // The kernel claimed a spare ring for this cgroup in between: that one has its history; ours goes.
            Free(ring);
            return _claims.TryLookup(cgroupId, out var kernel) ? Adopt(cgroupId, kernel, claimedByKernel: true) : Create(cgroupId, pagesPerCpu);
        }
        return Adopt(cgroupId, claim, claimedByKernel: false);
    }

    /// <summary>Makes the kernel write <paramref name="ring"/>'s cgroup's syscalls into it.</summary>
    private void Record(CgroupRing ring)
    {
        var cgroupId = ring.CgroupId!.Value;
        var state = new CgroupState { Slot = ring.Slot, Missed = ring.MissedBeforeRecording };
        _cgroups.Update(cgroupId, state);
        ring.Recording = true;
    }
}
