namespace Gadget.Traceloop.Rings;

/// <summary>
/// Which rings read the clock at every recorded syscall's exit (bpf/traceloop_rings.h, CGROUP_EXIT_CLOCK in the cgroup's
/// entry): a ring does while one of its holders asked for it (<see cref="TraceloopTracer.AddCgroup(ulong, int?, bool)"/>).
/// A new cgroup does from its first syscall while a follower that asks for it follows (<c>new_cgroup_flags</c>), and keeps
/// doing so when a holder that does not ask keeps it first, until every such follower decided about it (so that a
/// container two recorders share is timed from its start when one of them asks). Not thread-safe: <see cref="RingKeeper"/>
/// calls it under its lock.
/// </summary>
internal sealed class ExitClockChoices
{
    /// <summary>bpf/traceloop_rings.h: CGROUP_EXIT_CLOCK, a bit of a cgroup's flags.</summary>
    internal const uint Flag = 1;

    private readonly RingPool _pool;
    private readonly Gadget.Bpf.BpfMap<uint, uint> _newCgroupFlags;
    private readonly bool _tracerDefault;
    private readonly Func<ulong, object, bool> _declined;
    private readonly HashSet<object> _followers = [];

    /// <param name="loaded">The tracer's object (its <c>new_cgroup_flags</c>).</param>
    /// <param name="pool">The rings.</param>
    /// <param name="tracerDefault"><see cref="TraceloopOptions.ExitTimestamps"/>: new cgroups' choice while no follower asks.</param>
    /// <param name="declined">Whether a follower declined a cgroup.</param>
    internal ExitClockChoices(Gadget.Bpf.BpfObject loaded, RingPool pool, bool tracerDefault, Func<ulong, object, bool> declined)
    {
        _newCgroupFlags = loaded.Map("new_cgroup_flags").As<uint, uint>();
        _pool = pool;
        _tracerDefault = tracerDefault;
        _declined = declined;
        SetNewCgroups(tracerDefault);
    }

    /// <summary>Whether cgroup <paramref name="cgroupId"/>'s ring reads every exit's clock once a holder that asks
    /// (<paramref name="exitClock"/>) or not keeps it (before <see cref="Kept"/>).</summary>
    internal bool WhenKept(ulong cgroupId, bool exitClock) => _pool.Find(cgroupId) is var known &&
        (exitClock || known is { ExitClockHolders: > 0 } || (known is { References: 0, ExitClock: true } && Undecided(cgroupId)));

    internal void Kept(CgroupRing ring, bool exitClock)
    {
        if (exitClock)
        {
            ring.ExitClockHolders++;
        }
    }

    /// <summary>A holder that asked (<paramref name="exitClock"/>) or not released <paramref name="ring"/> (the last one: <paramref name="freed"/>).</summary>
    internal void Released(CgroupRing ring, bool exitClock, bool freed)
    {
        if (exitClock && ring.ExitClockHolders > 0)
        {
            ring.ExitClockHolders--;
        }
        if (!freed)
        {
            _pool.SetExitClock(ring, ring.ExitClockHolders > 0);
        }
    }

    internal void FollowerAdded(object follower, bool exitClock)
    {
        if (exitClock && _followers.Add(follower) && _followers.Count == 1)
        {
            SetNewCgroups(true);
        }
    }

    internal void FollowerRemoved(object follower)
    {
        if (!_followers.Remove(follower))
        {
            return;
        }
        if (_followers.Count == 0)
        {
            SetNewCgroups(_tracerDefault);
        }
        foreach (var ring in _pool.Rings.ToList())
        {
            EndUndecided(ring);
        }
    }

    /// <summary>After <paramref name="follower"/> declined <paramref name="cgroupId"/>.</summary>
    internal void Declined(ulong cgroupId, object follower)
    {
        if (_followers.Contains(follower) && _pool.Find(cgroupId) is { } ring)
        {
            EndUndecided(ring);
        }
    }

    /// <summary>Whether a cgroup that root creates reads every exit's clock from its first syscall (<c>new_cgroup_flags</c>).</summary>
    private void SetNewCgroups(bool on) => _newCgroupFlags.Update(0u, on ? Flag : 0);

    /// <summary>Whether a follower that asks for exit timestamps has not declined <paramref name="cgroupId"/> (nor released
    /// it after keeping it: see <see cref="Released"/>).</summary>
    private bool Undecided(ulong cgroupId) => _followers.Any(f => !_declined(cgroupId, f));

    /// <summary>A kept ring that reads every exit's clock only for the followers that ask for it stops once they all declined it.</summary>
    private void EndUndecided(CgroupRing ring)
    {
        if (ring is { References: > 0, ExitClockHolders: 0, ExitClock: true } && !Undecided(ring.CgroupId!.Value))
        {
            _pool.SetExitClock(ring, false);
        }
    }
}
