using System.Diagnostics.CodeAnalysis;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A view of a map of maps (<see cref="BpfMapType.ArrayOfMaps"/> or <see cref="BpfMapType.HashOfMaps"/>): each value is a map
/// whose type, key size, value size and flags match the outer map's inner-map template. BPF programs find an inner map with
/// <c>bpf_map_lookup_elem(&amp;outer, &amp;key)</c>; user space sets it with <see cref="SetInnerMap"/> and reads back its kernel id.
/// The outer map holds a reference to each inner map, so an inner map lives on after its <see cref="BpfMap"/> is disposed.
/// </summary>
/// <typeparam name="TKey">The outer key type (<see cref="uint"/> for an array of maps).</typeparam>
public sealed unsafe class BpfMapOfMaps<TKey>
    where TKey : unmanaged
{
    internal BpfMapOfMaps(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type is not (BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps))
        {
            throw new ArgumentException($"Map '{map.Name}' is a {map.Type} map, not a map of maps ({BpfMapType.ArrayOfMaps} or {BpfMapType.HashOfMaps}).", nameof(map));
        }
        map.CheckTypedKey(sizeof(TKey), typeof(TKey).Name);
        Map = map;
    }

    /// <summary>The untyped outer map.</summary>
    public BpfMap Map { get; }

    /// <summary>Puts <paramref name="inner"/> at <paramref name="key"/>, as <paramref name="flags"/> allow.</summary>
    /// <exception cref="ArgumentException"><paramref name="inner"/> does not have the shape of the outer map's inner-map template (EINVAL).</exception>
    /// <exception cref="InvalidOperationException">The key exists and <paramref name="flags"/> is <see cref="BpfMapUpdateFlags.NoExist"/>.</exception>
    /// <exception cref="BpfException">The key is out of range (array of maps) or the map is full (hash of maps): E2BIG.</exception>
    public void SetInnerMap(in TKey key, BpfMap inner, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        ArgumentNullException.ThrowIfNull(inner);
        int result;
        fixed (TKey* k = &key)
        {
            using var innerLease = inner.Lease();
            var fd = innerLease.Fd;
            using var lease = Map.Lease();
            result = LibBpf.bpf_map_update_elem(lease.Fd, k, &fd, (ulong)flags);
        }
        if (result < 0)
        {
            throw -result == Errno.EINVAL
                ? new ArgumentException(
                    $"Map '{inner.Name}' ({inner.Type}, key {inner.KeySize} B, value {inner.ValueSize} B, flags 0x{inner.Flags:x}) does not fit map of maps '{Map.Name}' (EINVAL): " +
                    "an inner map must have the type, key size, value size and flags of the outer map's inner-map template.",
                    nameof(inner))
                : Map.UpdateFailure(result, flags);
        }
    }

    /// <summary>
    /// Puts <paramref name="inner"/>[i] at <paramref name="keys"/>[i] for every i, in one <c>BPF_MAP_UPDATE_BATCH</c> where the
    /// kernel has it for this map type (else one update each). Every update of a map of maps waits until the BPF programs
    /// running at that moment have finished (an RCU grace period, ~10-20 ms): a batch waits once for all.
    /// </summary>
    /// <exception cref="ArgumentException">The counts differ, or an inner map does not fit the outer map's template.</exception>
    /// <exception cref="BpfException">A key is out of range (array of maps) or the map is full (hash of maps): E2BIG.</exception>
    public void SetInnerMaps(ReadOnlySpan<TKey> keys, IReadOnlyList<BpfMap> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (keys.Length != inner.Count)
        {
            throw new ArgumentException($"{keys.Length} keys but {inner.Count} inner maps.", nameof(inner));
        }
        if (keys.IsEmpty)
        {
            return;
        }
        Span<uint> fds = inner.Count <= 64 ? stackalloc uint[inner.Count] : new uint[inner.Count];
        var written = (uint)keys.Length;
        var opts = new BpfMapBatchOptions { Size = (nuint)sizeof(BpfMapBatchOptions) };
        int result;
        var held = 0;
        try
        {
            // Every inner map is held open until the kernel has taken its own reference.
            for (; held < fds.Length; held++)
            {
                fds[held] = (uint)inner[held].AddReference();
            }
            fixed (TKey* k = keys)
            fixed (uint* v = fds)
            {
                using var lease = Map.Lease();
                result = LibBpf.bpf_map_update_batch(lease.Fd, k, v, &written, &opts);
            }
        }
        finally
        {
            for (var i = 0; i < held; i++)
            {
                inner[i].ReleaseReference();
            }
        }
        if (result >= 0)
        {
            return;
        }
        if (-result is not (Errno.EINVAL or Errno.ENOTSUPP or Errno.EOPNOTSUPP))
        {
            throw Map.UpdateFailure(result, BpfMapUpdateFlags.Any);
        }
        // No batch updates for this map type here (Linux 5.10 answers ENOTSUPP and leaves the count as it was given), or
        // an entry the batch refused (EINVAL): every entry one at a time. Setting one again is harmless, and an inner map
        // that does not fit gets SetInnerMap's exception, which names it.
        for (var i = 0; i < keys.Length; i++)
        {
            SetInnerMap(keys[i], inner[i]);
        }
    }

    /// <summary>
    /// Removes the inner maps at <paramref name="keys"/> in one <c>BPF_MAP_DELETE_BATCH</c> where the kernel has it for this
    /// map type (else one delete each): one wait for the running BPF programs instead of one per key (see <see cref="SetInnerMaps"/>).
    /// </summary>
    /// <returns>How many were removed (a key without an inner map is skipped).</returns>
    public int DeleteInnerMaps(ReadOnlySpan<TKey> keys)
    {
        if (keys.IsEmpty)
        {
            return 0;
        }
        var deleted = (uint)keys.Length;
        var opts = new BpfMapBatchOptions { Size = (nuint)sizeof(BpfMapBatchOptions) };
        int result;
        fixed (TKey* k = keys)
        {
            using var lease = Map.Lease();
            result = LibBpf.bpf_map_delete_batch(lease.Fd, k, &deleted, &opts);
        }
        if (result >= 0)
        {
            return (int)deleted;
        }
        // No batch deletes for this map type here (Linux 5.10 answers ENOTSUPP and leaves the count as it was given:
        // nothing was deleted), or a key without an inner map stopped the batch after `deleted` keys: the rest one at a time.
        if (-result is Errno.ENOTSUPP or Errno.EOPNOTSUPP)
        {
            deleted = 0;
        }
        var removed = (int)deleted;
        for (var i = (int)deleted; i < keys.Length; i++)
        {
            if (Delete(keys[i]))
            {
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Gets the kernel id of the inner map at <paramref name="key"/>; returns false when there is none.</summary>
    public bool TryGetInnerMapId(in TKey key, out uint innerMapId)
    {
        uint id = 0;
        bool found;
        fixed (TKey* k = &key)
        {
            using var lease = Map.Lease();
            found = Map.Found(LibBpf.bpf_map_lookup_elem(lease.Fd, k, &id), "look up inner map");
        }
        innerMapId = id;
        return found;
    }

    /// <summary>Opens the inner map at <paramref name="key"/> (dispose it when done); returns false when there is none.</summary>
    public bool TryOpenInnerMap(in TKey key, [NotNullWhen(true)] out BpfMap? inner)
    {
        inner = null;
        if (!TryGetInnerMapId(key, out var id))
        {
            return false;
        }
        try
        {
            inner = BpfMap.OpenById(id);
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false; // removed between the lookup and the open
        }
    }

    /// <summary>Removes the inner map at <paramref name="key"/> from the outer map; returns false when there was none.</summary>
    public bool Delete(in TKey key)
    {
        fixed (TKey* k = &key)
        {
            using var lease = Map.Lease();
            return Map.Found(LibBpf.bpf_map_delete_elem(lease.Fd, k), "delete");
        }
    }

    /// <summary>
    /// The keys of the outer map, read one <c>BPF_MAP_GET_NEXT_KEY</c> at a time. For an array of maps this is every index,
    /// empty or not; use <see cref="TryGetInnerMapId"/> to tell.
    /// </summary>
    public IEnumerable<TKey> Keys
        => BpfMapKeys.Walk<TKey>(Map);

    /// <inheritdoc />
    public override string ToString() => Map.ToString();

}
