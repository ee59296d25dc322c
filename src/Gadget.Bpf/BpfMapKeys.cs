using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>Key iteration with <c>BPF_MAP_GET_NEXT_KEY</c>, shared by the typed map views.</summary>
internal static unsafe class BpfMapKeys
{
    /// <summary>Gets the first key in the kernel's iteration order.</summary>
    internal static bool TryGetFirst<TKey>(BpfMap map, out TKey key)
        where TKey : unmanaged
    {
        key = default;
        fixed (TKey* n = &key)
        {
            using var lease = map.Lease();
            return map.Found(LibBpf.bpf_map_get_next_key(lease.Fd, null, n), "iterate");
        }
    }

    /// <summary>Gets the key after <paramref name="key"/> in the kernel's iteration order.</summary>
    internal static bool TryGetNext<TKey>(BpfMap map, in TKey key, out TKey nextKey)
        where TKey : unmanaged
    {
        nextKey = default;
        fixed (TKey* k = &key)
        fixed (TKey* n = &nextKey)
        {
            using var lease = map.Lease();
            return map.Found(LibBpf.bpf_map_get_next_key(lease.Fd, k, n), "iterate");
        }
    }

    /// <summary>Walks the keys one system call at a time (entries deleted meanwhile may restart the walk).</summary>
    internal static IEnumerable<TKey> Walk<TKey>(BpfMap map)
        where TKey : unmanaged
    {
        if (!TryGetFirst(map, out TKey key))
        {
            yield break;
        }
        yield return key;
        while (TryGetNext(map, key, out var next))
        {
            yield return next;
            key = next;
        }
    }
}
