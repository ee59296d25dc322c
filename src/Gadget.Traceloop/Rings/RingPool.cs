using System.Runtime.InteropServices;
using Gadget.Bpf;
using Gadget.Traceloop.Bpf;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop.Rings;

/// <summary>
/// User space's side of bpf/traceloop_rings.h: the rings in the kernel's <c>ring_pool</c> slots, which of them are spare
/// (queued in <c>spare_slots</c> for the kernel to claim at a new cgroup's first syscall) and which cgroup each records.
/// Not thread-safe: <see cref="TraceloopTracer"/> calls it under its lock.
/// </summary>
/// <remarks>
/// A ring is freed in two steps. <see cref="Free"/> unlinks it at once: the cgroup's entry goes from <c>cgroups</c> (no new
/// lookup finds the slot) and its claim from <c>claims</c>; the slot is retired. <see cref="Refill"/> later gives retired
/// slots fresh rings, or empties them, in one batch: every update of a map of maps waits until the BPF programs running at
/// that moment have finished (an RCU grace period, ~15 ms here), so no program still writes to an old ring when it is
/// disposed, and a batch waits once for all its slots instead of once per slot.
/// </remarks>
internal sealed class RingPool : IDisposable
{
    internal const uint NoSlot = uint.MaxValue;

    /// <summary>Descriptors a new ring must leave free below the open-file limit (<see cref="RingDescriptorBudget"/>).</summary>
    internal const int ReservedDescriptors = RingDescriptorBudget.ReservedDescriptors;

    private readonly BpfMapOfMaps<uint> _pool;
    private readonly BpfMap _spareSlots;
    private readonly BpfPerCpuMap<uint, RingCounters> _counters;
    private readonly BpfMap<ulong, CgroupState> _cgroups;
    private readonly BpfMap<ulong, RingClaim> _claims;
    private readonly BpfMap<uint, ulong> _generation;
    private ulong _generationValue;
    private readonly CgroupRing?[] _slots;
    private readonly HashSet<uint> _spares = [];
    private readonly List<CgroupRing> _retired = [];
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
        _generation = loaded.Map("cgroups_generation").As<uint, ulong>();
        _slots = new CgroupRing?[capacity];
        _pagesPerCpu = pagesPerCpu;
        _logger = logger;
    }

    /// <summary>Sets the sizes of the pool's maps in an object not loaded yet: <paramref name="capacity"/> rings at most.</summary>
    internal static void Size(BpfObjectSpec spec, int capacity)
    {
        foreach (var name in (string[])["ring_pool", "spare_slots", "slot_counters", "claims"])
        {
            spec.Map(name).MaxEntries = capacity;
        }
    }

    /// <summary>The cgroups with a ring.</summary>
    internal IReadOnlyCollection<ulong> Cgroups => _byCgroup.Keys;

    /// <summary>The rings given to cgroups (kept or claimed).</summary>
    internal IEnumerable<CgroupRing> Rings => _byCgroup.Values;

    /// <summary>Spare rings queued for the kernel (some may have been claimed since: see <see cref="Reconcile"/>).</summary>
    internal int SpareCount => _spares.Count;

    internal CgroupRing? Find(ulong cgroupId) => _byCgroup.GetValueOrDefault(cgroupId);

    /// <summary>
    /// Queues fresh rings until <paramref name="target"/> are spare (or every slot is used), reusing retired slots first, and
    /// empties the retired slots left: all in one map-of-maps batch (one wait for the running BPF programs).
    /// </summary>
    /// <returns>
    /// Why fewer than <paramref name="target"/> rings are spare, when a ring could not be made (no memory, no descriptors
    /// left: see <see cref="RingDescriptorBudget.NewRing"/>); the rings made before it are queued all the same. Null when nothing failed.
    /// </returns>
    internal Exception? Refill(int target)
    {
        Exception? failure = null;
        var keys = new List<uint>();
        var fresh = new List<CgroupRing>();
        var replaced = new List<CgroupRing>();
        try
        {
            while (_spares.Count + fresh.Count < target && (_retired.Count > 0 || FreeSlot() is not null))
            {
                CgroupRing? old = null;
                if (_retired.Count > 0)
                {
                    old = _retired[^1];
                    _retired.RemoveAt(_retired.Count - 1);
                }
                var slot = old?.Slot ?? FreeSlot()!.Value;
                CgroupRing ring;
                try
                {
                    ring = RingDescriptorBudget.NewRing(slot, _pagesPerCpu);
                }
                catch (Exception e) when (e is BpfException or IOException or OutOfMemoryException)
                {
                    if (old is not null)
                    {
                        _retired.Add(old);
                    }
                    failure = e;
                    break;
                }
                _slots[slot] = ring;
                keys.Add(slot);
                fresh.Add(ring);
                if (old is not null)
                {
                    replaced.Add(old);
                }
            }
            _pool.SetInnerMaps(keys.ToArray(), fresh.Select(r => r.Map).ToArray());
        }
        catch
        {
            foreach (var ring in fresh)
            {
                _slots[ring.Slot] = replaced.FirstOrDefault(r => r.Slot == ring.Slot);
                ring.Dispose();
            }
            _retired.AddRange(replaced);
            throw;
        }
        // The programs that could still write to the replaced rings have finished.
        foreach (var old in replaced)
        {
            old.Dispose();
        }
        Span<byte> value = stackalloc byte[sizeof(uint)];
        foreach (var ring in fresh)
        {
            var slot = ring.Slot;
            _counters.Update(slot, new RingCounters[_counters.CpuCount]);
            MemoryMarshal.Write(value, in slot);
            _spareSlots.Update(ReadOnlySpan<byte>.Empty, value);
            _spares.Add(slot);
        }
        if (_retired.Count > 0)
        {
            _pool.DeleteInnerMaps(_retired.Select(r => r.Slot).ToArray());
            foreach (var old in _retired)
            {
                _slots[old.Slot] = null;
                old.Dispose();
            }
            _retired.Clear();
        }
        return failure;
    }

    /// <summary>A ring for <paramref name="cgroupId"/>, recording (every exit's clock read when <paramref name="exitClock"/>):
    /// the one it has, the one the kernel claimed for it, or a new one.</summary>
    internal CgroupRing Keep(ulong cgroupId, int pagesPerCpu, bool exitClock)
    {
        if (!_byCgroup.TryGetValue(cgroupId, out var ring))
        {
            ring = _claims.TryLookup(cgroupId, out var claim) ? Adopt(cgroupId, claim, claimedByKernel: true) : Create(cgroupId, pagesPerCpu);
        }
        if (!ring.Recording)
        {
            ring.ExitClock = exitClock;
            Record(ring);
        }
        else
        {
            SetExitClock(ring, exitClock);
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

    /// <summary>Whether the kernel reads the clock at every recorded exit of <paramref name="ring"/>'s cgroup (CGROUP_EXIT_CLOCK
    /// in its <c>cgroups</c> entry, see <see cref="ExitClockChoices"/>): written now while it records, else when it records again.</summary>
    internal void SetExitClock(CgroupRing ring, bool on)
    {
        if (ring.ExitClock == on)
        {
            return;
        }
        ring.ExitClock = on;
        if (ring.Recording && ring.CgroupId is { } cgroupId && _cgroups.TryLookup(cgroupId, out var state) && state.Slot == ring.Slot)
        {
            state.Flags = on ? ExitClockChoices.Flag : 0;
            _cgroups.Update(cgroupId, state);
            BumpGeneration();
        }
    }

    /// <summary>Stops writing to <paramref name="ring"/> (its history stays readable).</summary>
    internal void Stop(CgroupRing ring)
    {
        if (ring.CgroupId is { } cgroupId)
        {
            DeleteCgroup(cgroupId);
        }
        ring.Recording = false;
    }

    /// <summary>Stops recording and frees the ring: unlinked now, disposed at the next <see cref="Refill"/> (see the remarks).</summary>
    internal void Free(CgroupRing ring)
    {
        if (ring.CgroupId is { } cgroupId)
        {
            DeleteCgroup(cgroupId);
            _claims.Delete(cgroupId);
            _byCgroup.Remove(cgroupId);
        }
        ring.Recording = false;
        _spares.Remove(ring.Slot);
        _retired.Add(ring);
    }

    /// <summary>Forgets a new cgroup that has no ring yet, so that the kernel does not claim one for it.</summary>
    internal void ForgetCandidate(ulong cgroupId)
    {
        if (_cgroups.TryLookup(cgroupId, out var state) && state.Slot == NoSlot)
        {
            DeleteCgroup(cgroupId);
        }
    }

    /// <summary>Forgets every new cgroup that has no ring yet (when new cgroups are no longer claimed).</summary>
    internal void ForgetCandidates()
    {
        foreach (var (cgroupId, state) in _cgroups.Entries.ToList())
        {
            if (state.Slot == NoSlot)
            {
                DeleteCgroup(cgroupId);
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
        foreach (var ring in _retired)
        {
            ring.Dispose();
        }
        _retired.Clear();
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

    /// <summary>A fresh ring in <paramref name="slot"/>, with its counters at zero (one wait for the running BPF programs).</summary>
    private CgroupRing Fill(uint slot, int pagesPerCpu)
    {
        var ring = RingDescriptorBudget.NewRing(slot, pagesPerCpu);
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
        var known = _cgroups.TryLookup(cgroupId, out var state);
        ring.MissedBeforeRecording = known ? state.Missed : 0;
        ring.ExitClock = known && (state.Flags & ExitClockChoices.Flag) != 0;
        ring.Recording = claimedByKernel;
        ring.ClaimedAtTicks = Environment.TickCount64;
        _byCgroup[cgroupId] = ring;
        if (claimedByKernel)
        {
            _logger?.LogDebug("cgroup {CgroupId} claimed ring slot {Slot} at its first syscall.", cgroupId, claim.Slot);
        }
        return ring;
    }

    /// <summary>A ring given to <paramref name="cgroupId"/> by user space (a cgroup that existed before, or one not claimed yet):
    /// a spare one taken from the kernel's queue, else a new one.</summary>
    private CgroupRing Create(ulong cgroupId, int pagesPerCpu)
    {
        Span<byte> value = stackalloc byte[sizeof(uint)];
        CgroupRing ring;
        if (pagesPerCpu == _pagesPerCpu && _spareSlots.TryLookupAndDelete(ReadOnlySpan<byte>.Empty, value))
        {
            var spare = MemoryMarshal.Read<uint>(value);
            _spares.Remove(spare);
            ring = _slots[spare] ?? throw new InvalidOperationException($"spare slot {spare} has no ring.");
        }
        else
        {
            var slot = FreeSlot() ?? throw new InvalidOperationException(
                $"Every one of the {_slots.Length} rings is in use (TraceloopOptions.MaxContainers plus SpareRings): release a cgroup first.");
            ring = Fill(slot, pagesPerCpu);
        }
        var claim = new RingClaim { Slot = ring.Slot, Timestamp = BpfEnvironment.BootTimeNanoseconds };
        if (!_claims.TryAdd(cgroupId, claim))
        {
            // The kernel claimed a spare ring for this cgroup in between: that one has its history; ours goes back or away.
            Unclaimed(ring);
            return _claims.TryLookup(cgroupId, out var kernel) ? Adopt(cgroupId, kernel, claimedByKernel: true) : Create(cgroupId, pagesPerCpu);
        }
        return Adopt(cgroupId, claim, claimedByKernel: false);
    }

    /// <summary>A fresh ring nobody claimed after all: spare again when it has the pool's size, else retired.</summary>
    private void Unclaimed(CgroupRing ring)
    {
        if (ring.PagesPerCpu != _pagesPerCpu)
        {
            _retired.Add(ring);
            return;
        }
        Span<byte> value = stackalloc byte[sizeof(uint)];
        var slot = ring.Slot;
        MemoryMarshal.Write(value, in slot);
        _spareSlots.Update(ReadOnlySpan<byte>.Empty, value);
        _spares.Add(slot);
    }

    /// <summary>Makes the kernel write <paramref name="ring"/>'s cgroup's syscalls into it.</summary>
    /// <remarks>
    /// In a full <c>cgroups</c> map (the kernel notes there every cgroup root makes while a recorder follows) a new entry is
    /// refused (E2BIG), which left a selected container unrecorded for good. One of those new cgroups that has no ring yet
    /// is forgotten instead, and gets none at its first syscall, as one made while the map was full: recorded once added,
    /// if it ever is. The map always holds more entries than there are rings (TraceloopTracer sizes it), so a full one has
    /// such a cgroup; a few tries, as the kernel may note another cgroup in the room made.
    /// </remarks>
    private void Record(CgroupRing ring)
    {
        var cgroupId = ring.CgroupId!.Value;
        var state = new CgroupState { Slot = ring.Slot, Flags = ring.ExitClock ? ExitClockChoices.Flag : 0, Missed = ring.MissedBeforeRecording };
        for (var tries = 1; ; tries++)
        {
            try
            {
                _cgroups.Update(cgroupId, state);
                break;
            }
            catch (BpfException e) when (e.Errno == Errno.E2BIG && tries < 8 && ForgetACandidate(cgroupId))
            {
            }
        }
        BumpGeneration();
        ring.Recording = true;
    }

    /// <summary>Removes from <c>cgroups</c> one new cgroup without a ring (not <paramref name="recorded"/>); false when there is none.</summary>
    private bool ForgetACandidate(ulong recorded)
    {
        foreach (var (cgroupId, state) in _cgroups.Entries)
        {
            if (state.Slot == NoSlot && cgroupId != recorded)
            {
                DeleteCgroup(cgroupId);
                _logger?.LogDebug("Forgot new cgroup {CgroupId}, which has no ring yet, to make room for cgroup {Recorded} in the full table of cgroups: it gets none at its first syscall.", cgroupId, recorded);
                return true;
            }
        }
        return false;
    }

    /// <summary>Removes <paramref name="cgroupId"/>'s entry from the kernel's <c>cgroups</c> map (see <see cref="BumpGeneration"/>).</summary>
    private void DeleteCgroup(ulong cgroupId)
    {
        _cgroups.Delete(cgroupId);
        BumpGeneration();
    }

    /// <summary>
    /// Tells the BPF programs that <c>cgroups</c> changed: each CPU caches its last cgroup's slot with the generation it read
    /// before its lookup (bpf/traceloop_rings.h, current_slot), so a verdict from before the change is not used after it.
    /// Called after every change of the map (this class is the only writer in user space, under the tracer's lock).
    /// </summary>
    private void BumpGeneration() => _generation.Update(0u, ++_generationValue);
}
