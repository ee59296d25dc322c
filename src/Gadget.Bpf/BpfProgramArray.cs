using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A view of a <see cref="BpfMapType.ProgArray"/> map: a jump table whose slots hold programs for
/// <c>bpf_tail_call(ctx, &amp;map, index)</c>. A tail call to an empty slot falls through to the caller's next instruction.
/// The map keeps a reference to each program it holds; a program must be of the caller's type.
/// </summary>
public sealed unsafe class BpfProgramArray
{
    internal BpfProgramArray(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type != BpfMapType.ProgArray)
        {
            throw new ArgumentException($"Map '{map.Name}' is a {map.Type} map, not a {BpfMapType.ProgArray} map.", nameof(map));
        }
        Map = map;
    }

    /// <summary>The untyped map.</summary>
    public BpfMap Map { get; }

    /// <summary>The number of slots.</summary>
    public int Length => Map.MaxEntries;

    /// <summary>Puts <paramref name="program"/> in slot <paramref name="index"/>, replacing what was there.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    /// <exception cref="BpfException">The kernel refused the program (e.g. EINVAL: its type differs from the programs that tail-call through this map).</exception>
    public void SetProgram(int index, BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        CheckIndex(index);
        var key = (uint)index;
        int result;
        using (var programLease = program.Lease())
        {
            var fd = programLease.Fd;
            using var lease = Map.Lease();
            result = LibBpf.bpf_map_update_elem(lease.Fd, &key, &fd, (ulong)BpfMapUpdateFlags.Any);
        }
        if (result < 0)
        {
            throw -result == Errno.EINVAL
                ? new BpfException(
                    $"Program '{program.Name}' ({program.Type}) cannot go into program array '{Map.Name}' (EINVAL): a program array only takes programs of the type (and JIT mode) of the programs that use it.",
                    Errno.EINVAL)
                : Map.UpdateFailure(result, BpfMapUpdateFlags.Any);
        }
    }

    /// <summary>Empties slot <paramref name="index"/>; returns false when it was already empty.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public bool Clear(int index)
    {
        CheckIndex(index);
        var key = (uint)index;
        using var lease = Map.Lease();
        return Map.Found(LibBpf.bpf_map_delete_elem(lease.Fd, &key), "clear slot");
    }

    /// <summary>Gets the kernel id of the program in slot <paramref name="index"/>; returns false when the slot is empty.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public bool TryGetProgramId(int index, out uint programId)
    {
        CheckIndex(index);
        var key = (uint)index;
        uint id = 0;
        using var lease = Map.Lease();
        var found = Map.Found(LibBpf.bpf_map_lookup_elem(lease.Fd, &key, &id), "look up slot");
        programId = id;
        return found;
    }

    /// <inheritdoc />
    public override string ToString() => Map.ToString();

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Program array '{Map.Name}' has {Length} slots (0 to {Length - 1}).");
        }
    }
}
