using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A map of a <see cref="BpfObjectSpec"/> as it will be created at <see cref="BpfObjectSpec.Load"/>: its sizes, type, flags,
/// whether it is created at all, or an existing map it reuses instead. The created map is the loaded object's
/// <see cref="BpfMap"/> of the same name. Everything here is valid until the spec is loaded.
/// </summary>
public sealed unsafe class BpfMapSpec
{
    private readonly BpfObjectSpec _spec;
    private readonly nint _pointer;

    internal BpfMapSpec(BpfObjectSpec spec, nint pointer)
    {
        _spec = spec;
        _pointer = pointer;
        Name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_map__name(pointer)) ?? string.Empty;
    }

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The map type (<c>bpf_map__set_type</c>), e.g. a hash made an LRU hash.</summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public BpfMapType Type
    {
        get => (BpfMapType)LibBpf.bpf_map__type(Pointer);
        set => Check(LibBpf.bpf_map__set_type(Pointer, (int)value), "type");
    }

    /// <summary>Size of a key in bytes (<c>bpf_map__set_key_size</c>), for a map declared without one or whose size depends on the machine.</summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public int KeySize
    {
        get => (int)LibBpf.bpf_map__key_size(Pointer);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Check(LibBpf.bpf_map__set_key_size(Pointer, (uint)value), "key size");
        }
    }

    /// <summary>
    /// Size of a value in bytes (<c>bpf_map__set_value_size</c>): e.g. a <see cref="BpfMapType.StackTrace"/> map declared
    /// with value size 0, sized to frames x 8 bytes here.
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public int ValueSize
    {
        get => (int)LibBpf.bpf_map__value_size(Pointer);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Check(LibBpf.bpf_map__set_value_size(Pointer, (uint)value), "value size");
        }
    }

    /// <summary>The maximum number of entries (for ring buffers: the size in bytes, a power-of-two multiple of the page size).</summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public int MaxEntries
    {
        get => (int)LibBpf.bpf_map__max_entries(Pointer);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            Check(LibBpf.bpf_map__set_max_entries(Pointer, (uint)value), "max_entries");
        }
    }

    /// <summary>The creation flags (<c>BPF_F_*</c>; <c>bpf_map__set_map_flags</c>).</summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public uint Flags
    {
        get => LibBpf.bpf_map__map_flags(Pointer);
        set => Check(LibBpf.bpf_map__set_map_flags(Pointer, value), "flags");
    }

    /// <summary>
    /// Whether <see cref="BpfObjectSpec.Load"/> creates this map (default true; <c>bpf_map__set_autocreate</c>). A map that
    /// no loaded program uses can be left out, e.g. one that only an optional program needs; the loaded object then has no
    /// map of this name.
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public bool AutoCreate
    {
        get => LibBpf.bpf_map__autocreate(Pointer);
        set => Check(LibBpf.bpf_map__set_autocreate(Pointer, value), "autocreate");
    }

    /// <summary>
    /// Makes this map share an existing map (created from C#, opened from a pin, or of another loaded object) instead of
    /// creating its own: the object's programs then read and write <paramref name="existing"/>. This is how one program
    /// filters by a set that someone else keeps (e.g. a set of cgroup ids). libbpf keeps its own duplicate of the
    /// descriptor, so <paramref name="existing"/> may be disposed afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The maps differ in type, key size or value size (a size declared as 0 fits any).</exception>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public void ReuseMap(BpfMap existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var type = Type;
        var keySize = KeySize;
        var valueSize = ValueSize;
        // A size declared as 0 is left for the application to set (e.g. a stack map's value size): the existing map's fits.
        if (existing.Type != type || (keySize != 0 && existing.KeySize != keySize) || (valueSize != 0 && existing.ValueSize != valueSize))
        {
            throw new ArgumentException(
                $"Map '{Name}' ({type}, key {keySize} B, value {valueSize} B) cannot reuse '{existing.Name}' ({existing.Type}, key {existing.KeySize} B, value {existing.ValueSize} B).",
                nameof(existing));
        }
        using var lease = existing.Lease();
        Errno.ThrowIfNegative(LibBpf.bpf_map__reuse_fd(Pointer, lease.Fd), $"make map '{Name}' reuse map '{existing.Name}'");
    }

    /// <summary>
    /// For a map of maps (<see cref="BpfMapType.ArrayOfMaps"/>, <see cref="BpfMapType.HashOfMaps"/>) declared without an
    /// inner map, the map whose shape (type, key and value size, flags) its inner maps must have
    /// (<c>bpf_map__set_inner_map_fd</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public void SetInnerMapTemplate(BpfMap template)
    {
        ArgumentNullException.ThrowIfNull(template);
        using var lease = template.Lease();
        Errno.ThrowIfNegative(LibBpf.bpf_map__set_inner_map_fd(Pointer, lease.Fd), $"set the inner map template of '{Name}'");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (spec)";

    /// <summary>The libbpf map, whatever the spec's state (for the loaded object to match it with this spec).</summary>
    internal nint RawPointer => _pointer;

    private nint Pointer
    {
        get
        {
            _ = _spec.Pointer; // throws once the spec is loaded or disposed
            return _pointer;
        }
    }

    private void Check(int result, string what) => Errno.ThrowIfNegative(result, $"set the {what} of map '{Name}'");
}
