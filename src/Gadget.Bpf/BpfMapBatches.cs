using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>The <c>BPF_MAP_*_BATCH</c> calls shared by the typed map views.</summary>
internal static unsafe class BpfMapBatches
{
    /// <summary>
    /// <c>BPF_MAP_LOOKUP(_AND_DELETE)_BATCH</c> of up to <paramref name="slots"/> entries into <paramref name="keys"/> and
    /// <paramref name="values"/> (which hold <paramref name="slots"/> keys and values, in the kernel's layout), after <paramref name="cursor"/>.
    /// </summary>
    internal static int Lookup(BpfMap map, ref BpfMapBatchCursor cursor, void* keys, void* values, int slots, out bool done, bool delete)
    {
        if (slots == 0)
        {
            throw new ArgumentException($"A batch of map '{map.Name}' needs at least one slot.", nameof(keys));
        }
        if (cursor.Started && (cursor.MapType != map.Type || cursor.KeySize != map.KeySize))
        {
            // The kernel reads and writes a whole key as the token of a key-token walk: a token made for smaller keys
            // would be overrun (managed heap corruption), and one of another map type means another position.
            throw new ArgumentException(
                $"This cursor walks a {cursor.MapType} map with {cursor.KeySize}-byte keys, not map '{map.Name}' ({map.Type}, {map.KeySize}-byte keys): " +
                "start each map's walk with default(BpfMapBatchCursor).",
                "cursor");
        }
        var count = (uint)slots;
        var opts = new BpfMapBatchOptions { Size = (nuint)sizeof(BpfMapBatchOptions) };

        // The kernel's out token is a 4-byte bucket index (hash maps) or a whole key (arrays, tries: the generic code).
        // Keys larger than 8 bytes need a token buffer of their size, made once per walk.
        var largeToken = cursor.LargeToken;
        if (largeToken is null && map.KeySize > sizeof(ulong))
        {
            largeToken = new byte[map.KeySize];
        }
        ulong inBatch = cursor.Token;
        ulong outBatch = 0;
        int result;
        fixed (byte* large = largeToken)
        {
            // The kernel reads the in token before it writes the out token: one large buffer serves as both.
            void* input = !cursor.Started ? null : large is not null ? large : &inBatch;
            void* output = large is not null ? large : &outBatch;
            using var lease = map.Lease();
            result = delete
                ? LibBpf.bpf_map_lookup_and_delete_batch(lease.Fd, input, output, keys, values, &count, &opts)
                : LibBpf.bpf_map_lookup_batch(lease.Fd, input, output, keys, values, &count, &opts);
        }
        done = result == -Errno.ENOENT;
        if (result < 0 && !done)
        {
            if (-result == Errno.ENOSPC)
            {
                throw new ArgumentException(
                    $"A hash bucket of map '{map.Name}' holds more entries than the {slots} slots given (ENOSPC); pass larger spans. The cursor did not move.",
                    nameof(keys));
            }
            ThrowIfFailed(map, result, delete ? "lookup-and-delete batch" : "lookup batch");
        }
        cursor = new BpfMapBatchCursor(outBatch, largeToken, map.Type, map.KeySize);
        return (int)count;
    }

    /// <summary><c>BPF_MAP_UPDATE_BATCH</c> of <paramref name="count"/> entries; returns how many were written.</summary>
    internal static int Update(BpfMap map, void* keys, void* values, int count, BpfMapUpdateFlags flags)
    {
        if ((flags & ~BpfMapUpdateFlags.Lock) != 0)
        {
            throw new ArgumentException(
                $"Batch updates of map '{map.Name}' take only {BpfMapUpdateFlags.Any} or {BpfMapUpdateFlags.Lock}; the kernel refuses {flags} (EINVAL). Use Update or TryAdd per key.",
                nameof(flags));
        }
        var written = (uint)count;
        var opts = new BpfMapBatchOptions { Size = (nuint)sizeof(BpfMapBatchOptions), ElementFlags = (ulong)flags };
        using var lease = map.Lease();
        var result = LibBpf.bpf_map_update_batch(lease.Fd, keys, values, &written, &opts);
        if (-result == Errno.E2BIG)
        {
            throw map.UpdateFailure(result, flags);
        }
        ThrowIfFailed(map, result, "update batch");
        return (int)written;
    }

    /// <summary><c>BPF_MAP_DELETE_BATCH</c>; returns how many were deleted before a missing key stopped it.</summary>
    internal static int Delete(BpfMap map, void* keys, int count)
    {
        var deleted = (uint)count;
        var opts = new BpfMapBatchOptions { Size = (nuint)sizeof(BpfMapBatchOptions) };
        using var lease = map.Lease();
        var result = LibBpf.bpf_map_delete_batch(lease.Fd, keys, &deleted, &opts);
        if (result < 0 && -result != Errno.ENOENT)
        {
            ThrowIfFailed(map, result, "delete batch");
        }
        return (int)deleted;
    }

    private static void ThrowIfFailed(BpfMap map, int result, string operation)
    {
        if (result >= 0)
        {
            return;
        }
        if (-result is Errno.ENOTSUPP or Errno.EOPNOTSUPP
            || -result is Errno.EINVAL && map.Type is not (BpfMapType.Hash or BpfMapType.LruHash or BpfMapType.Array or BpfMapType.PerCpuHash or BpfMapType.PerCpuArray or BpfMapType.LruPerCpuHash))
        {
            throw new BpfFeatureNotSupportedException("map batch", $"{map.Type} map '{map.Name}' has no {operation} operation ({Errno.Name(-result)}); use the per-key operations.");
        }
        throw Errno.ToException(result, $"{operation} on map '{map.Name}'");
    }
}
