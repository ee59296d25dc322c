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
        var fd = inner.FileDescriptor;
        int result;
        fixed (TKey* k = &key)
        {
            result = LibBpf.bpf_map_update_elem(Map.FileDescriptor, k, &fd, (ulong)flags);
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

    /// <summary>Gets the kernel id of the inner map at <paramref name="key"/>; returns false when there is none.</summary>
    public bool TryGetInnerMapId(in TKey key, out uint innerMapId)
    {
        uint id = 0;
        bool found;
        fixed (TKey* k = &key)
        {
            found = Map.Found(LibBpf.bpf_map_lookup_elem(Map.FileDescriptor, k, &id), "look up inner map");
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
            return Map.Found(LibBpf.bpf_map_delete_elem(Map.FileDescriptor, k), "delete");
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
