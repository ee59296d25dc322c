using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>A loaded map's elements: typed views, and raw lookups, updates and deletes checked against the key and value sizes.</summary>
public sealed unsafe partial class BpfMap
{
    /// <summary>A typed view of this map; the sizes of <typeparamref name="TKey"/> and <typeparamref name="TValue"/> must match the map's.</summary>
    /// <exception cref="ArgumentException">A size differs from the map's key or value size (the message names the map and both sizes),
    /// or the map is per-CPU (use <see cref="AsPerCpu{TKey, TValue}"/>).</exception>
    public BpfMap<TKey, TValue> As<TKey, TValue>()
        where TKey : unmanaged
        where TValue : unmanaged => new(this);

    /// <summary>
    /// A typed view of this per-CPU map (<see cref="BpfMapType.PerCpuHash"/>, <see cref="BpfMapType.PerCpuArray"/>,
    /// <see cref="BpfMapType.LruPerCpuHash"/>): one <typeparamref name="TValue"/> per possible CPU.
    /// </summary>
    /// <exception cref="ArgumentException">The map is not per-CPU, or a size differs from the map's key or value size.</exception>
    public BpfPerCpuMap<TKey, TValue> AsPerCpu<TKey, TValue>()
        where TKey : unmanaged
        where TValue : unmanaged => new(this);

    /// <summary>A view of this <see cref="BpfMapType.ProgArray"/> map, whose slots hold programs for tail calls.</summary>
    /// <exception cref="ArgumentException">The map is not a program array.</exception>
    public BpfProgramArray AsProgramArray() => new(this);

    /// <summary>A view of this <see cref="BpfMapType.ArrayOfMaps"/> or <see cref="BpfMapType.HashOfMaps"/> map, whose values are maps.</summary>
    /// <typeparam name="TKey">The outer map's key type (<see cref="uint"/> for arrays of maps).</typeparam>
    /// <exception cref="ArgumentException">The map is not a map of maps, or the key size differs.</exception>
    public BpfMapOfMaps<TKey> AsMapOfMaps<TKey>()
        where TKey : unmanaged => new(this);

    /// <summary>Looks up <paramref name="key"/>; copies the value into <paramref name="value"/> and returns true when found.</summary>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value.Length, "value buffer");
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            using var lease = Lease();
            return Found(LibBpf.bpf_map_lookup_elem(lease.Fd, k, v), "look up");
        }
    }

    /// <summary>Creates or replaces an entry, as <paramref name="flags"/> allow.</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value.Length, "value");
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            using var lease = Lease();
            var result = LibBpf.bpf_map_update_elem(lease.Fd, k, v, (ulong)flags);
            if (result < 0)
            {
                throw UpdateFailure(result, flags);
            }
        }
    }

    /// <summary>Deletes an entry; returns false when it was not there.</summary>
    /// <exception cref="NotSupportedException">The map is an array (<see cref="BpfMapType.Array"/>, <see cref="BpfMapType.PerCpuArray"/>), whose entries always exist.</exception>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* k = key)
        {
            using var lease = Lease();
            return Deleted(LibBpf.bpf_map_delete_elem(lease.Fd, k));
        }
    }

    /// <summary>Looks up and deletes an entry in one step (hash maps, queues, stacks).</summary>
    public bool TryLookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value.Length, "value buffer");
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            using var lease = Lease();
            return Found(LibBpf.bpf_map_lookup_and_delete_elem(lease.Fd, key.IsEmpty ? null : k, v), "look up and delete");
        }
    }

    /// <summary>
    /// Writes into <paramref name="nextKey"/> the key after <paramref name="key"/> (or the first key when
    /// <paramref name="key"/> is empty); returns false at the end of the map.
    /// </summary>
    public bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (!key.IsEmpty)
        {
            CheckKey(key);
        }
        CheckKey(nextKey);
        fixed (byte* k = key)
        fixed (byte* n = nextKey)
        {
            using var lease = Lease();
            return Found(LibBpf.bpf_map_get_next_key(lease.Fd, key.IsEmpty ? null : k, n), "iterate");
        }
    }

    internal int ValueBufferSize => IsPerCpu ? ((ValueSize + 7) & ~7) * BpfEnvironment.PossibleCpuCount : ValueSize;

    internal void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"Key of {key.Length} bytes does not fit map '{Name}', whose keys are {KeySize} bytes.", nameof(key));
        }
    }

    internal void CheckValue(int length, string what)
    {
        var expected = ValueBufferSize;
        if (length != expected)
        {
            throw new ArgumentException(
                IsPerCpu
                    ? $"The {what} of {length} bytes does not fit per-CPU map '{Name}': it needs {expected} bytes ({BpfEnvironment.PossibleCpuCount} CPUs x {(ValueSize + 7) & ~7} bytes)."
                    : $"The {what} of {length} bytes does not fit map '{Name}', whose values are {ValueSize} bytes.",
                "value");
        }
    }

    internal bool Found(int result, string operation)
    {
        if (result >= 0)
        {
            return true;
        }
        if (-result == Errno.ENOENT)
        {
            return false;
        }
        throw Errno.ToException(result, $"{operation} in map '{Name}'");
    }

    internal bool Deleted(int result)
    {
        if (-result == Errno.EINVAL && Type is BpfMapType.Array or BpfMapType.PerCpuArray)
        {
            throw new NotSupportedException(
                $"Entries of {Type} map '{Name}' cannot be deleted (EINVAL): every index always exists. Overwrite the value (e.g. with zeros) instead.");
        }
        return Found(result, "delete");
    }

    internal void CheckTypedKey(int size, string typeName)
    {
        if (size != KeySize)
        {
            throw new ArgumentException($"{typeName} is {size} bytes, but keys of map '{Name}' are {KeySize} bytes.", "TKey");
        }
    }

    internal void CheckTypedValue(int size, string typeName)
    {
        if (size != ValueSize)
        {
            throw new ArgumentException($"{typeName} is {size} bytes, but values of map '{Name}' are {ValueSize} bytes.", "TValue");
        }
    }

    internal Exception UpdateFailure(int result, BpfMapUpdateFlags flags)
    {
        var errno = -result;
        return errno switch
        {
            Errno.EEXIST when flags.HasFlag(BpfMapUpdateFlags.NoExist) => new InvalidOperationException($"The key already exists in map '{Name}' (update with NoExist)."),
            Errno.ENOENT when flags.HasFlag(BpfMapUpdateFlags.Exist) => new KeyNotFoundException($"The key is not in map '{Name}' (update with Exist)."),
            Errno.E2BIG when Type is BpfMapType.Array or BpfMapType.PerCpuArray or BpfMapType.ProgArray or BpfMapType.ArrayOfMaps or BpfMapType.PerfEventArray or BpfMapType.CgroupArray
                => new BpfException($"Index out of range for {Type} map '{Name}', which has {MaxEntries} entries (E2BIG).", errno),
            Errno.E2BIG => new BpfException($"{Type} map '{Name}' is full: it holds at most {MaxEntries} entries (E2BIG).", errno),
            _ => Errno.ToException(result, $"update map '{Name}'"),
        };
    }
}
