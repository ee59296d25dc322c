using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A typed view of a <see cref="BpfMap"/> whose keys are <typeparamref name="TKey"/> and values <typeparamref name="TValue"/>
/// (hash, array, LRU and similar maps). Sizes are checked once, when the view is made; no operation allocates.
/// </summary>
/// <typeparam name="TKey">An unmanaged type laid out like the BPF key.</typeparam>
/// <typeparam name="TValue">An unmanaged type laid out like the BPF value.</typeparam>
public sealed unsafe class BpfMap<TKey, TValue>
    where TKey : unmanaged
    where TValue : unmanaged
{
    internal BpfMap(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        map.CheckTypedKey(sizeof(TKey), typeof(TKey).Name);
        map.CheckTypedValue(sizeof(TValue), typeof(TValue).Name);
        if (map.IsPerCpu)
        {
            throw new ArgumentException($"Map '{map.Name}' is per-CPU ({map.Type}); use BpfPerCpuMap<TKey, TValue>.", nameof(map));
        }
        Map = map;
    }

    /// <summary>The untyped map.</summary>
    public BpfMap Map { get; }

    /// <summary>The value of <paramref name="key"/>; throws <see cref="KeyNotFoundException"/> when absent. Setting creates or replaces.</summary>
    public TValue this[TKey key]
    {
        get => TryLookup(key, out var value) ? value : throw new KeyNotFoundException($"Key {key} is not in map '{Map.Name}'.");
        set => Update(key, value);
    }

    /// <summary>Looks up <paramref name="key"/>.</summary>
    public bool TryLookup(in TKey key, out TValue value)
    {
        value = default;
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
        {
            using var lease = Map.Lease();
            return Map.Found(LibBpf.bpf_map_lookup_elem(lease.Fd, k, v), "look up");
        }
    }

    /// <summary>Creates or replaces an entry, as <paramref name="flags"/> allow.</summary>
    public void Update(in TKey key, in TValue value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
        {
            using var lease = Map.Lease();
            var result = LibBpf.bpf_map_update_elem(lease.Fd, k, v, (ulong)flags);
            if (result < 0)
            {
                throw Map.UpdateFailure(result, flags);
            }
        }
    }

    /// <summary>Adds an entry only if the key is absent; returns false when it was present.</summary>
    public bool TryAdd(in TKey key, in TValue value)
    {
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
        {
            using var lease = Map.Lease();
            var result = LibBpf.bpf_map_update_elem(lease.Fd, k, v, (ulong)BpfMapUpdateFlags.NoExist);
            if (result == -Errno.EEXIST)
            {
                return false;
            }
            if (result < 0)
            {
                throw Map.UpdateFailure(result, BpfMapUpdateFlags.NoExist);
            }
            return true;
        }
    }

    /// <summary>Deletes an entry; returns false when it was absent.</summary>
    /// <exception cref="NotSupportedException">The map is an array, whose entries cannot be deleted.</exception>
    public bool Delete(in TKey key)
    {
        fixed (TKey* k = &key)
        {
            using var lease = Map.Lease();
            return Map.Deleted(LibBpf.bpf_map_delete_elem(lease.Fd, k));
        }
    }

    /// <summary>Looks up and deletes an entry in one step.</summary>
    public bool TryLookupAndDelete(in TKey key, out TValue value)
    {
        value = default;
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
        {
            using var lease = Map.Lease();
            return Map.Found(LibBpf.bpf_map_lookup_and_delete_elem(lease.Fd, k, v), "look up and delete");
        }
    }

    /// <summary>Gets the key after <paramref name="key"/> in the kernel's iteration order.</summary>
    public bool TryGetNextKey(in TKey key, out TKey nextKey)
        => BpfMapKeys.TryGetNext(Map, key, out nextKey);

    /// <summary>Gets the first key in the kernel's iteration order.</summary>
    public bool TryGetFirstKey(out TKey key)
        => BpfMapKeys.TryGetFirst(Map, out key);

    /// <summary>The keys, read one <c>BPF_MAP_GET_NEXT_KEY</c> at a time (entries deleted meanwhile may restart the walk).</summary>
    public IEnumerable<TKey> Keys
        => BpfMapKeys.Walk<TKey>(Map);

    /// <summary>The entries, each key looked up as the walk goes (an entry deleted meanwhile is skipped).</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> Entries
    {
        get
        {
            foreach (var key in Keys)
            {
                if (TryLookup(key, out var value))
                {
                    yield return new KeyValuePair<TKey, TValue>(key, value);
                }
            }
        }
    }

    /// <summary>
    /// Reads up to <paramref name="keys"/>.Length entries with <c>BPF_MAP_LOOKUP_BATCH</c>, starting after <paramref name="cursor"/>.
    /// Returns the number read; <paramref name="cursor"/> is advanced, and <paramref name="done"/> is true when the map is exhausted.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The map type has no batch operations.</exception>
    /// <exception cref="ArgumentException"><paramref name="cursor"/> walks another map (of another type or key size), or a hash
    /// bucket holds more entries than there are slots (ENOSPC).</exception>
    public int LookupBatch(ref BpfMapBatchCursor cursor, Span<TKey> keys, Span<TValue> values, out bool done)
        => Batch(ref cursor, keys, values, out done, delete: false);

    /// <summary>Like <see cref="LookupBatch"/>, deleting what it reads (<c>BPF_MAP_LOOKUP_AND_DELETE_BATCH</c>).</summary>
    public int LookupAndDeleteBatch(ref BpfMapBatchCursor cursor, Span<TKey> keys, Span<TValue> values, out bool done)
        => Batch(ref cursor, keys, values, out done, delete: true);

    /// <summary>
    /// Creates or replaces <paramref name="keys"/>.Length entries in one system call (<c>BPF_MAP_UPDATE_BATCH</c>).
    /// Entries before a failing one stay written.
    /// </summary>
    /// <param name="keys">The keys.</param>
    /// <param name="values">One value per key.</param>
    /// <param name="flags"><see cref="BpfMapUpdateFlags.Any"/> or <see cref="BpfMapUpdateFlags.Lock"/>: the kernel refuses
    /// <see cref="BpfMapUpdateFlags.NoExist"/> and <see cref="BpfMapUpdateFlags.Exist"/> in batches.</param>
    /// <returns>The number of entries written.</returns>
    /// <exception cref="ArgumentException">The spans differ in length, or <paramref name="flags"/> asks for (non-)existence.</exception>
    /// <exception cref="BpfException">The map is full, or an array index is out of range (E2BIG).</exception>
    public int UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        if (keys.Length != values.Length)
        {
            throw new ArgumentException($"{keys.Length} keys but {values.Length} values.", nameof(values));
        }
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
        {
            return BpfMapBatches.Update(Map, k, v, keys.Length, flags);
        }
    }

    /// <summary>Deletes entries in one system call (<c>BPF_MAP_DELETE_BATCH</c>); returns how many were deleted before a missing key stopped it.</summary>
    public int DeleteBatch(ReadOnlySpan<TKey> keys)
    {
        fixed (TKey* k = keys)
        {
            return BpfMapBatches.Delete(Map, k, keys.Length);
        }
    }

    private int Batch(ref BpfMapBatchCursor cursor, Span<TKey> keys, Span<TValue> values, out bool done, bool delete)
    {
        if (keys.Length != values.Length)
        {
            throw new ArgumentException($"{keys.Length} key slots but {values.Length} value slots.", nameof(values));
        }
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
        {
            return BpfMapBatches.Lookup(Map, ref cursor, k, v, keys.Length, out done, delete);
        }
    }
}
