using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A typed view of a per-CPU map (<see cref="BpfMapType.PerCpuHash"/>, <see cref="BpfMapType.PerCpuArray"/>,
/// <see cref="BpfMapType.LruPerCpuHash"/>): each key has one <typeparamref name="TValue"/> per possible CPU
/// (<see cref="CpuCount"/>). The kernel pads each CPU's value to a multiple of 8 bytes in user space; this view
/// removes and adds that padding, through a stack or pooled buffer, so no operation allocates.
/// </summary>
/// <typeparam name="TKey">An unmanaged type laid out like the BPF key.</typeparam>
/// <typeparam name="TValue">An unmanaged type laid out like one CPU's BPF value.</typeparam>
public sealed unsafe class BpfPerCpuMap<TKey, TValue>
    where TKey : unmanaged
    where TValue : unmanaged
{
    private const int StackBufferLimit = 512;
    private readonly int _stride;

    internal BpfPerCpuMap(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (!map.IsPerCpu)
        {
            throw new ArgumentException($"Map '{map.Name}' is a {map.Type} map, not a per-CPU one; use As<TKey, TValue>().", nameof(map));
        }
        map.CheckTypedKey(sizeof(TKey), typeof(TKey).Name);
        map.CheckTypedValue(sizeof(TValue), typeof(TValue).Name);
        Map = map;
        CpuCount = BpfEnvironment.PossibleCpuCount;
        _stride = (sizeof(TValue) + 7) & ~7;
    }

    /// <summary>The untyped map.</summary>
    public BpfMap Map { get; }

    /// <summary>The number of possible CPUs: how many values each key has (index = CPU number).</summary>
    public int CpuCount { get; }

    private bool IsPadded => _stride != sizeof(TValue);

    private int BufferSize => _stride * CpuCount;

    /// <summary>
    /// Looks up <paramref name="key"/> and copies each CPU's value into <paramref name="perCpuValues"/> (index = CPU).
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="perCpuValues">Exactly <see cref="CpuCount"/> slots.</param>
    /// <returns>Whether the key was found (when not, <paramref name="perCpuValues"/> is left as is).</returns>
    /// <exception cref="ArgumentException"><paramref name="perCpuValues"/> does not have <see cref="CpuCount"/> slots.</exception>
    public bool TryLookup(in TKey key, Span<TValue> perCpuValues)
    {
        CheckLength(perCpuValues.Length, nameof(perCpuValues));
        if (!IsPadded)
        {
            fixed (TKey* k = &key)
            fixed (TValue* v = perCpuValues)
            {
                using var lease = Map.Lease();
                return Map.Found(LibBpf.bpf_map_lookup_elem(lease.Fd, k, v), "look up");
            }
        }
        var size = BufferSize;
        byte[]? rented = null;
        var buffer = size <= StackBufferLimit ? stackalloc byte[StackBufferLimit] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            bool found;
            fixed (TKey* k = &key)
            fixed (byte* v = buffer)
            {
                using var lease = Map.Lease();
                found = Map.Found(LibBpf.bpf_map_lookup_elem(lease.Fd, k, v), "look up");
            }
            if (found)
            {
                for (var cpu = 0; cpu < perCpuValues.Length; cpu++)
                {
                    perCpuValues[cpu] = Unsafe.ReadUnaligned<TValue>(ref buffer[cpu * _stride]);
                }
            }
            return found;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Creates or replaces the entry of <paramref name="key"/>, one value per CPU, as <paramref name="flags"/> allow.</summary>
    /// <param name="key">The key.</param>
    /// <param name="perCpuValues">Exactly <see cref="CpuCount"/> values (index = CPU).</param>
    /// <param name="flags">Whether the key must exist, must not exist, or either.</param>
    /// <exception cref="ArgumentException"><paramref name="perCpuValues"/> does not have <see cref="CpuCount"/> values.</exception>
    /// <exception cref="InvalidOperationException">The key exists and <paramref name="flags"/> is <see cref="BpfMapUpdateFlags.NoExist"/>.</exception>
    /// <exception cref="KeyNotFoundException">The key is missing and <paramref name="flags"/> is <see cref="BpfMapUpdateFlags.Exist"/>.</exception>
    public void Update(in TKey key, ReadOnlySpan<TValue> perCpuValues, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckLength(perCpuValues.Length, nameof(perCpuValues));
        int result;
        if (!IsPadded)
        {
            fixed (TKey* k = &key)
            fixed (TValue* v = perCpuValues)
            {
                using var lease = Map.Lease();
                result = LibBpf.bpf_map_update_elem(lease.Fd, k, v, (ulong)flags);
            }
        }
        else
        {
            var size = BufferSize;
            byte[]? rented = null;
            var buffer = size <= StackBufferLimit ? stackalloc byte[StackBufferLimit] : (rented = ArrayPool<byte>.Shared.Rent(size));
            try
            {
                buffer[..size].Clear();
                for (var cpu = 0; cpu < perCpuValues.Length; cpu++)
                {
                    Unsafe.WriteUnaligned(ref buffer[cpu * _stride], perCpuValues[cpu]);
                }
                fixed (TKey* k = &key)
                fixed (byte* v = buffer)
                {
                    using var lease = Map.Lease();
                    result = LibBpf.bpf_map_update_elem(lease.Fd, k, v, (ulong)flags);
                }
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
        if (result < 0)
        {
            throw Map.UpdateFailure(result, flags);
        }
    }

    /// <summary>Deletes the entry of <paramref name="key"/> on every CPU; returns false when it was absent.</summary>
    /// <exception cref="NotSupportedException">The map is a <see cref="BpfMapType.PerCpuArray"/>, whose entries cannot be deleted.</exception>
    public bool Delete(in TKey key)
    {
        fixed (TKey* k = &key)
        {
            using var lease = Map.Lease();
            return Map.Deleted(LibBpf.bpf_map_delete_elem(lease.Fd, k));
        }
    }

    /// <summary>Gets the first key in the kernel's iteration order.</summary>
    public bool TryGetFirstKey(out TKey key)
        => BpfMapKeys.TryGetFirst(Map, out key);

    /// <summary>Gets the key after <paramref name="key"/> in the kernel's iteration order.</summary>
    public bool TryGetNextKey(in TKey key, out TKey nextKey)
        => BpfMapKeys.TryGetNext(Map, key, out nextKey);

    /// <summary>The keys, read one <c>BPF_MAP_GET_NEXT_KEY</c> at a time (entries deleted meanwhile may restart the walk).</summary>
    public IEnumerable<TKey> Keys
        => BpfMapKeys.Walk<TKey>(Map);

    /// <summary>
    /// Reads up to <paramref name="keys"/>.Length entries with <c>BPF_MAP_LOOKUP_BATCH</c>, starting after <paramref name="cursor"/>:
    /// entry <c>i</c>'s value on CPU <c>c</c> goes to <c>perCpuValues[i * CpuCount + c]</c>.
    /// Returns the number of entries read; <paramref name="done"/> is true when the map is exhausted.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="perCpuValues"/> does not hold <see cref="CpuCount"/> values per key slot,
    /// <paramref name="cursor"/> walks another map (of another type or key size), or a hash bucket holds more entries than there
    /// are slots (ENOSPC).</exception>
    public int LookupBatch(ref BpfMapBatchCursor cursor, Span<TKey> keys, Span<TValue> perCpuValues, out bool done)
        => Batch(ref cursor, keys, perCpuValues, out done, delete: false);

    /// <summary>Like <see cref="LookupBatch"/>, deleting what it reads (<c>BPF_MAP_LOOKUP_AND_DELETE_BATCH</c>; not for arrays).</summary>
    public int LookupAndDeleteBatch(ref BpfMapBatchCursor cursor, Span<TKey> keys, Span<TValue> perCpuValues, out bool done)
        => Batch(ref cursor, keys, perCpuValues, out done, delete: true);

    /// <summary>
    /// Creates or replaces <paramref name="keys"/>.Length entries in one system call; entry <c>i</c>'s value on CPU <c>c</c> is
    /// <c>perCpuValues[i * CpuCount + c]</c>. Returns the number written.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not match, or <paramref name="flags"/> is not <see cref="BpfMapUpdateFlags.Any"/> or <see cref="BpfMapUpdateFlags.Lock"/>.</exception>
    public int UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> perCpuValues, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckBatchLength(keys.Length, perCpuValues.Length);
        fixed (TKey* k = keys)
        {
            if (!IsPadded)
            {
                fixed (TValue* v = perCpuValues)
                {
                    return BpfMapBatches.Update(Map, k, v, keys.Length, flags);
                }
            }
            var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, BufferSize * keys.Length));
            try
            {
                var buffer = rented.AsSpan(0, BufferSize * keys.Length);
                buffer.Clear();
                for (var i = 0; i < perCpuValues.Length; i++)
                {
                    Unsafe.WriteUnaligned(ref buffer[i * _stride], perCpuValues[i]);
                }
                fixed (byte* v = buffer)
                {
                    return BpfMapBatches.Update(Map, k, v, keys.Length, flags);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Deletes entries in one system call; returns how many were deleted before a missing key stopped it.</summary>
    public int DeleteBatch(ReadOnlySpan<TKey> keys)
    {
        fixed (TKey* k = keys)
        {
            return BpfMapBatches.Delete(Map, k, keys.Length);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Map} x {CpuCount} CPUs";

    private int Batch(ref BpfMapBatchCursor cursor, Span<TKey> keys, Span<TValue> perCpuValues, out bool done, bool delete)
    {
        CheckBatchLength(keys.Length, perCpuValues.Length);
        fixed (TKey* k = keys)
        {
            if (!IsPadded)
            {
                fixed (TValue* v = perCpuValues)
                {
                    return BpfMapBatches.Lookup(Map, ref cursor, k, v, keys.Length, out done, delete);
                }
            }
            var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, BufferSize * keys.Length));
            try
            {
                int count;
                fixed (byte* v = rented)
                {
                    count = BpfMapBatches.Lookup(Map, ref cursor, k, v, keys.Length, out done, delete);
                }
                for (var i = 0; i < count * CpuCount; i++)
                {
                    perCpuValues[i] = Unsafe.ReadUnaligned<TValue>(ref rented[i * _stride]);
                }
                return count;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void CheckBatchLength(int keys, int values)
    {
        if ((long)keys * CpuCount != values)
        {
            throw new ArgumentException(
                $"Per-CPU map '{Map.Name}' needs {CpuCount} values per key ({CpuCount} CPUs): {keys} keys need {(long)keys * CpuCount} values, but {values} were given.",
                "perCpuValues");
        }
    }

    private void CheckLength(int length, string parameter)
    {
        if (length != CpuCount)
        {
            throw new ArgumentException(
                $"Per-CPU map '{Map.Name}' has one {typeof(TValue).Name} per possible CPU: {CpuCount} values are needed, but {length} were given.",
                parameter);
        }
    }
}
