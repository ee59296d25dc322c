using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>What an object's map is made as, set before the object is loaded: sizes, type, flags, creation, reuse, inner map.</summary>
public sealed unsafe partial class BpfMap
{
    /// <summary>Changes the map's size before its object is loaded (e.g. a ring buffer's bytes).</summary>
    /// <exception cref="InvalidOperationException">The object is already loaded, or the map is not an object's.</exception>
    public void SetMaxEntries(int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        BeforeLoad(LibBpf.bpf_map__set_max_entries(PointerBeforeLoad("max_entries"), (uint)maxEntries), "max_entries");
    }

    /// <summary>
    /// Changes the key size before its object is loaded (<c>bpf_map__set_key_size</c>), for a map declared without one or
    /// whose size depends on the machine.
    /// </summary>
    /// <exception cref="InvalidOperationException">The object is already loaded, or the map is not an object's.</exception>
    public void SetKeySize(int keySize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keySize);
        BeforeLoad(LibBpf.bpf_map__set_key_size(PointerBeforeLoad("key size"), (uint)keySize), "key size");
    }

    /// <summary>
    /// Changes the value size before its object is loaded (<c>bpf_map__set_value_size</c>): e.g. a
    /// <see cref="BpfMapType.StackTrace"/> map declared with value size 0, sized to frames x 8 bytes here.
    /// </summary>
    /// <exception cref="InvalidOperationException">The object is already loaded, or the map is not an object's.</exception>
    public void SetValueSize(int valueSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueSize);
        BeforeLoad(LibBpf.bpf_map__set_value_size(PointerBeforeLoad("value size"), (uint)valueSize), "value size");
    }

    /// <summary>Changes the map type before its object is loaded (<c>bpf_map__set_type</c>), e.g. a hash into an LRU hash.</summary>
    /// <exception cref="InvalidOperationException">The object is already loaded, or the map is not an object's.</exception>
    public void SetType(BpfMapType type) =>
        BeforeLoad(LibBpf.bpf_map__set_type(PointerBeforeLoad("type"), (int)type), "type");

    /// <summary>Changes the creation flags (<c>BPF_F_*</c>) before its object is loaded (<c>bpf_map__set_map_flags</c>).</summary>
    /// <exception cref="InvalidOperationException">The object is already loaded, or the map is not an object's.</exception>
    public void SetFlags(uint flags) =>
        BeforeLoad(LibBpf.bpf_map__set_map_flags(PointerBeforeLoad("flags"), flags), "flags");

    /// <summary>
    /// Whether <see cref="BpfObject.Load"/> creates this map (default true; <c>bpf_map__set_autocreate</c>). A map that no
    /// loaded program uses can be left out, e.g. one that only an optional program needs. Set before load.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after load, or the map is not an object's.</exception>
    public bool AutoCreate
    {
        get => _owner is null || LibBpf.bpf_map__autocreate(Pointer);
        set => BeforeLoad(LibBpf.bpf_map__set_autocreate(PointerBeforeLoad("autocreate"), value), "autocreate");
    }

    /// <summary>
    /// Before its object is loaded, makes this map share an existing map (created from C#, opened from a pin, or of
    /// another object) instead of creating its own: the object's programs then read and write <paramref name="existing"/>.
    /// This is how one program filters by a set that someone else keeps (e.g. a set of cgroup ids).
    /// </summary>
    /// <exception cref="ArgumentException">The maps differ in type, key size or value size.</exception>
    /// <exception cref="InvalidOperationException">The object is already loaded.</exception>
    public void ReuseMap(BpfMap existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        if (_owner is null)
        {
            throw new InvalidOperationException($"Map '{Name}' does not belong to a BPF object; only an object's map can reuse another.");
        }
        if (_owner.IsLoaded)
        {
            throw new InvalidOperationException($"Map '{Name}' can only reuse another map before its object is loaded.");
        }
        // A size declared as 0 is left for the application to set (e.g. a stack map's value size): the existing map's fits.
        if (existing.Type != Type || (KeySize != 0 && existing.KeySize != KeySize) || (ValueSize != 0 && existing.ValueSize != ValueSize))
        {
            throw new ArgumentException(
                $"Map '{Name}' ({Type}, key {KeySize} B, value {ValueSize} B) cannot reuse '{existing.Name}' ({existing.Type}, key {existing.KeySize} B, value {existing.ValueSize} B).",
                nameof(existing));
        }
        Errno.ThrowIfNegative(LibBpf.bpf_map__reuse_fd(Pointer, existing.FileDescriptor), $"make map '{Name}' reuse map '{existing.Name}'");
    }

    private nint PointerBeforeLoad(string what)
    {
        if (_owner is null)
        {
            throw new InvalidOperationException($"The {what} of map '{Name}' can only be set on a map of a BPF object, before it is loaded; this map is created already.");
        }
        if (_owner.IsLoaded)
        {
            throw new InvalidOperationException($"The {what} of map '{Name}' can only be set before BPF object '{_owner.Name}' is loaded.");
        }
        return Pointer;
    }

    private void BeforeLoad(int result, string what) =>
        Errno.ThrowIfNegative(result, $"set the {what} of map '{Name}'");

    /// <summary>For a map-in-map of an object, sets the template of its inner maps before load.</summary>
    public void SetInnerMap(BpfMap template)
    {
        ArgumentNullException.ThrowIfNull(template);
        Errno.ThrowIfNegative(LibBpf.bpf_map__set_inner_map_fd(Pointer, template.FileDescriptor), $"set inner map of '{Name}'");
    }
}
