using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A BPF map: from a loaded <see cref="BpfObject"/>, created from C# with <see cref="Create"/>, or opened from a pin.
/// This class works on raw bytes; <see cref="As{TKey, TValue}"/> gives a typed view checked against the key and value sizes.
/// Maps of an object live as long as the object; created and opened maps must be disposed.
/// </summary>
public sealed unsafe partial class BpfMap : IDisposable
{
    private readonly BpfObject? _owner;
    private readonly nint _pointer;
    private readonly FileDescriptorHandle? _fd;

    /// <summary>Where diagnostics about this map go: its object's <see cref="BpfObjectOptions.Logger"/>, or null.</summary>
    internal Microsoft.Extensions.Logging.ILogger? Logger => _owner?.Logger;

    internal BpfMap(BpfObject owner, nint pointer)
    {
        _owner = owner;
        _pointer = pointer;
        Name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_map__name(pointer)) ?? string.Empty;
    }

    private BpfMap(FileDescriptorHandle fd, string name, BpfMapType type, int keySize, int valueSize, int maxEntries, uint flags)
    {
        _fd = fd;
        Name = name;
        _type = type;
        _keySize = keySize;
        _valueSize = valueSize;
        _maxEntries = maxEntries;
        _flags = flags;
    }

    private readonly BpfMapType _type;
    private readonly int _keySize;
    private readonly int _valueSize;
    private readonly int _maxEntries;
    private readonly uint _flags;

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The map type.</summary>
    public BpfMapType Type => _owner is null ? _type : (BpfMapType)LibBpf.bpf_map__type(Pointer);

    /// <summary>Size of a key in bytes.</summary>
    public int KeySize => _owner is null ? _keySize : (int)LibBpf.bpf_map__key_size(Pointer);

    /// <summary>Size of a value in bytes (per CPU, for per-CPU maps).</summary>
    public int ValueSize => _owner is null ? _valueSize : (int)LibBpf.bpf_map__value_size(Pointer);

    /// <summary>The maximum number of entries (for ring buffers: the size in bytes).</summary>
    public int MaxEntries => _owner is null ? _maxEntries : (int)LibBpf.bpf_map__max_entries(Pointer);

    /// <summary>The map's creation flags (<c>BPF_F_*</c>).</summary>
    public uint Flags => _owner is null ? _flags : LibBpf.bpf_map__map_flags(Pointer);

    /// <summary>Whether values are per CPU (one value per possible CPU).</summary>
    public bool IsPerCpu => Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash or BpfMapType.PerCpuCgroupStorage;

    /// <summary>Where the map is pinned, or <c>null</c>.</summary>
    public string? PinnedPath { get; private set; }

    /// <summary>Whether the map (or the object that owns it) has been disposed.</summary>
    public bool IsDisposed => _owner is null ? _fd!.IsClosed : _owner.IsDisposed;

    /// <summary>The map's file descriptor.</summary>
    /// <exception cref="InvalidOperationException">The map's object is not loaded yet.</exception>
    public int FileDescriptor
    {
        get
        {
            if (_owner is null)
            {
                ObjectDisposedException.ThrowIf(_fd!.IsClosed, this);
                return _fd.Fd;
            }
            // libbpf 1.3+ reserves a placeholder descriptor for every map at open: only a loaded, created map has a real one.
            if (!_owner.IsLoaded)
            {
                throw new InvalidOperationException($"Map '{Name}' is not created yet; call BpfObject.Load() first.");
            }
            if (!LibBpf.bpf_map__autocreate(Pointer))
            {
                throw new InvalidOperationException($"Map '{Name}' was not created: its AutoCreate is off.");
            }
            var fd = LibBpf.bpf_map__fd(Pointer);
            return fd >= 0 ? fd : throw new InvalidOperationException($"Map '{Name}' is not created.");
        }
    }

    internal nint Pointer
    {
        get
        {
            if (_owner is null)
            {
                throw new InvalidOperationException($"Map '{Name}' does not belong to a BPF object.");
            }
            _owner.ThrowIfDisposed();
            return _pointer;
        }
    }

    internal bool BelongsToObject => _owner is not null;

    /// <summary>The map's descriptor, held open until the lease is disposed: <c>using var lease = map.Lease();</c> around a native call.</summary>
    /// <exception cref="ObjectDisposedException">The map (or its object) is disposed.</exception>
    internal FdLease Lease()
    {
        System.Runtime.InteropServices.SafeHandle owner = _owner is null ? _fd! : _owner.Handle;
        if (owner.IsClosed)
        {
            throw new ObjectDisposedException(_owner is null ? $"map '{Name}'" : $"BPF object '{_owner.Name}' of map '{Name}'");
        }
        return new FdLease(owner, this);
    }

    /// <summary>Releases a created or opened map's descriptor. For a map of a <see cref="BpfObject"/> this does nothing: the object owns it.</summary>
    public void Dispose() => _fd?.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type}, key {KeySize} B, value {ValueSize} B, {MaxEntries} entries)";
}
