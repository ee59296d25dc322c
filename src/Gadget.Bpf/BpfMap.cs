using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A BPF map in the kernel: of a loaded <see cref="BpfObject"/>, created from C# with <see cref="Create"/>, or opened from a
/// pin or an id. This class works on raw bytes; <see cref="As{TKey, TValue}"/> gives a typed view checked against the key and
/// value sizes. Maps of an object live as long as the object; created and opened maps must be disposed. What an object's map
/// is made as (sizes, type, flags, reuse) is set on its <see cref="BpfMapSpec"/> before <see cref="BpfObjectSpec.Load"/>.
/// </summary>
public sealed unsafe partial class BpfMap : IDisposable
{
    /// <summary>What keeps <see cref="_fd"/> open: the map's own descriptor, or the handle of the object that owns it.</summary>
    private readonly SafeHandle _lifetime;
    private readonly bool _ownsLifetime;
    private readonly int _fd;

    private BpfMap(SafeHandle lifetime, bool ownsLifetime, int fd, string name, BpfMapType type, int keySize, int valueSize, int maxEntries, uint flags, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        _lifetime = lifetime;
        Logger = logger;
        _ownsLifetime = ownsLifetime;
        _fd = fd;
        Name = name;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        MaxEntries = maxEntries;
        Flags = flags;
    }

    /// <summary>
    /// A map that <paramref name="owner"/>'s load created: its descriptor lives as long as the object; its diagnostics go to
    /// the object's <paramref name="logger"/>.
    /// </summary>
    internal static BpfMap OfObject(SafeHandle owner, nint pointer, int fd, string name, Microsoft.Extensions.Logging.ILogger? logger) => new(
        owner,
        ownsLifetime: false,
        fd,
        name,
        (BpfMapType)LibBpf.bpf_map__type(pointer),
        (int)LibBpf.bpf_map__key_size(pointer),
        (int)LibBpf.bpf_map__value_size(pointer),
        (int)LibBpf.bpf_map__max_entries(pointer),
        LibBpf.bpf_map__map_flags(pointer),
        logger);

    private static BpfMap Owning(FileDescriptorHandle fd, string name, BpfMapType type, int keySize, int valueSize, int maxEntries, uint flags) =>
        new(fd, ownsLifetime: true, fd.Fd, name, type, keySize, valueSize, maxEntries, flags);

    /// <summary>Where diagnostics about this map go: its object's <see cref="BpfObjectOptions.Logger"/>, or null.</summary>
    internal Microsoft.Extensions.Logging.ILogger? Logger { get; }

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The map type.</summary>
    public BpfMapType Type { get; }

    /// <summary>Size of a key in bytes.</summary>
    public int KeySize { get; }

    /// <summary>Size of a value in bytes (per CPU, for per-CPU maps).</summary>
    public int ValueSize { get; }

    /// <summary>The maximum number of entries (for ring buffers: the size in bytes).</summary>
    public int MaxEntries { get; }

    /// <summary>The map's creation flags (<c>BPF_F_*</c>).</summary>
    public uint Flags { get; }

    /// <summary>Whether values are per CPU (one value per possible CPU).</summary>
    public bool IsPerCpu => Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash or BpfMapType.PerCpuCgroupStorage;

    /// <summary>Where the map is pinned, or <c>null</c>.</summary>
    public string? PinnedPath { get; private set; }

    /// <summary>Whether the map (or the object that owns it) has been disposed.</summary>
    public bool IsDisposed => _lifetime.IsClosed;

    /// <summary>
    /// The map's file descriptor, valid until the map (or its object) is disposed. A descriptor number read here can be
    /// reused by another map once this one is disposed: the methods of this class hold the map open across each call.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The map (or its object) is disposed.</exception>
    public int FileDescriptor
    {
        get
        {
            ObjectDisposedException.ThrowIf(_lifetime.IsClosed, this);
            return _fd;
        }
    }

    /// <summary>The map's descriptor, held open until the lease is disposed: <c>using var lease = map.Lease();</c> around a native call.</summary>
    /// <exception cref="ObjectDisposedException">The map (or its object) is disposed.</exception>
    internal FdLease Lease() => new(_lifetime, _fd, _ownsLifetime ? "map" : "the BPF object of map", Name);

    /// <summary>
    /// Holds the map open, like <see cref="Lease"/>, across a call that uses several maps' descriptors at once (a batch);
    /// each call must be paired with <see cref="ReleaseReference"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The map (or its object) is disposed.</exception>
    internal int AddReference()
    {
        ObjectDisposedException.ThrowIf(_lifetime.IsClosed, this);
        var added = false;
        _lifetime.DangerousAddRef(ref added);
        return _fd;
    }

    /// <summary>Ends an <see cref="AddReference"/>.</summary>
    internal void ReleaseReference() => _lifetime.DangerousRelease();

    /// <summary>Releases a created or opened map's descriptor. For a map of a <see cref="BpfObject"/> this does nothing: the object owns it.</summary>
    public void Dispose()
    {
        if (_ownsLifetime)
        {
            _lifetime.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type}, key {KeySize} B, value {ValueSize} B, {MaxEntries} entries)";
}
