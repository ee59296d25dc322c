using System.Numerics;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>Where a map comes from without an object file (created, opened from a pin or a kernel id), and pinning.</summary>
public sealed unsafe partial class BpfMap
{
    /// <summary>Creates a map from C#, without an object file.</summary>
    /// <param name="type">The map type.</param>
    /// <param name="keySize">Key size in bytes (0 for ring buffers, 4 for arrays).</param>
    /// <param name="valueSize">Value size in bytes (0 for ring buffers; 4 for prog arrays and maps of maps).</param>
    /// <param name="maxEntries">Maximum entries (ring buffer: size in bytes, a power of two multiple of the page size).</param>
    /// <param name="name">Map name: ASCII letters, digits, '_' and '.'; at most 15 characters are kept.</param>
    /// <param name="flags"><c>BPF_F_*</c> creation flags, e.g. <c>BPF_F_NO_PREALLOC</c> (1).</param>
    /// <param name="innerMap">For <see cref="BpfMapType.ArrayOfMaps"/> and <see cref="BpfMapType.HashOfMaps"/>: a map whose shape the inner maps must have.</param>
    /// <exception cref="ArgumentException">An invalid name, a map of maps without <paramref name="innerMap"/>, or a ring buffer
    /// whose key or value size is not 0 or whose size is not a power of two multiple of the page size.</exception>
    /// <exception cref="BpfException">The kernel refused the map (its errno; <see cref="BpfFeatureNotSupportedException"/>
    /// for a type this kernel lacks).</exception>
    public static BpfMap Create(BpfMapType type, int keySize, int valueSize, int maxEntries, string? name = null, uint flags = 0, BpfMap? innerMap = null)
    {
        LibbpfRuntime.EnsureInitialized();
        ArgumentOutOfRangeException.ThrowIfNegative(keySize);
        ArgumentOutOfRangeException.ThrowIfNegative(valueSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        if (type is BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps && innerMap is null)
        {
            throw new ArgumentException($"A {type} map needs an inner map template.", nameof(innerMap));
        }
        if (name is not null && !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
        {
            throw new ArgumentException($"Map name '{name}' is not valid: the kernel takes only ASCII letters, digits, '_' and '.'.", nameof(name));
        }
        if (keySize == 0 && type is BpfMapType.Hash or BpfMapType.PerCpuHash or BpfMapType.LruHash or BpfMapType.LruPerCpuHash
            or BpfMapType.HashOfMaps or BpfMapType.Array or BpfMapType.PerCpuArray or BpfMapType.ArrayOfMaps or BpfMapType.ProgArray)
        {
            throw new ArgumentOutOfRangeException(nameof(keySize), $"A {type} map needs keys of at least 1 byte (4 for arrays); the key size given is 0.");
        }
        if (type is BpfMapType.RingBuffer or BpfMapType.UserRingBuffer
            && (keySize != 0 || valueSize != 0 || !BitOperations.IsPow2(maxEntries) || maxEntries % Environment.SystemPageSize != 0))
        {
            // The kernel answers a bare EINVAL.
            throw new ArgumentException(
                $"A {type} map has keys and values of 0 bytes and a size (maxEntries) that is a power of two and a multiple of the page size ({Environment.SystemPageSize}), not key {keySize} B, value {valueSize} B, {maxEntries} bytes.",
                nameof(maxEntries));
        }
        BpfEnvironment.RaiseMemlockLimit();
        var shortName = name is null ? null : name.Length > 15 ? name[..15] : name;
        int fd;
        using (var inner = innerMap is null ? default(FdLease) : innerMap.Lease())
        {
            var opts = new BpfMapCreateOptions
            {
                Size = (nuint)sizeof(BpfMapCreateOptions),
                MapFlags = flags,
                InnerMapFd = innerMap is null ? 0u : (uint)inner.Fd,
            };
            fd = LibBpf.bpf_map_create((int)type, shortName, (uint)keySize, (uint)valueSize, (uint)maxEntries, &opts);
        }
        if (fd < 0)
        {
            var e = Errno.ToException(fd, $"create {type} map '{name}' (key {keySize} B, value {valueSize} B, {maxEntries} entries)");
            // The probe creates a map too: without CAP_BPF it fails for want of privilege, which says nothing about the type.
            if (-fd == Errno.EINVAL && Capabilities.MissingForLoad(BpfProgramType.SocketFilter).Count == 0 && !BpfEnvironment.IsSupported(type))
            {
                var linux = KernelFeatureHistory.MapTypeAddedIn(type);
                throw new BpfFeatureNotSupportedException(type.ToString(), $"This kernel does not support {type} maps{(linux is null ? string.Empty : $" (Linux {linux} added them)")}.");
            }
            throw e;
        }
        return Owning(new FileDescriptorHandle(fd), shortName ?? string.Empty, type, keySize, valueSize, maxEntries, flags);
    }

    /// <summary>Opens a map pinned at <paramref name="path"/> on bpffs. Dispose it when done (the pin stays).</summary>
    /// <exception cref="FileNotFoundException">Nothing is pinned at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException">What is pinned there is not a map (e.g. a program or a link).</exception>
    public static BpfMap OpenPinned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LibbpfRuntime.EnsureInitialized();
        var fd = LibBpf.bpf_obj_get(path);
        if (fd < 0)
        {
            throw BpfPins.OpenFailure(fd, "open pinned map", path);
        }
        var map = FromDescriptor(new FileDescriptorHandle(fd), $"pinned object '{path}'", path);
        map.PinnedPath = path;
        return map;
    }

    /// <summary>
    /// Opens the map whose kernel id is <paramref name="id"/> (see <see cref="Id"/>, <see cref="BpfMapOfMaps{TKey}.TryGetInnerMapId"/>).
    /// Dispose it when done.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No map has this id (any more).</exception>
    public static BpfMap OpenById(uint id)
    {
        LibbpfRuntime.EnsureInitialized();
        var fd = LibBpf.bpf_map_get_fd_by_id(id);
        if (fd < 0)
        {
            if (-fd == Errno.ENOENT)
            {
                throw new KeyNotFoundException($"No BPF map has id {id}.");
            }
            throw Errno.ToException(fd, $"open map with id {id}");
        }
        return FromDescriptor(new FileDescriptorHandle(fd), $"map id {id}", null);
    }

    private static BpfMap FromDescriptor(FileDescriptorHandle handle, string what, string? path)
    {
        try
        {
            // bpf_obj_get_info_by_fd also answers for programs and links, with another layout: check the kind first.
            var kind = BpfPins.KindOf(handle.Fd, out var readable);
            if (readable && kind != "map")
            {
                throw new ArgumentException($"The {what} is {(kind is null ? "not a BPF object" : $"a BPF {kind}")}, not a BPF map.", nameof(path));
            }
            BpfMapInfo info;
            var length = (uint)sizeof(BpfMapInfo);
            var result = LibBpf.bpf_obj_get_info_by_fd(handle.Fd, &info, &length);
            if (result < 0)
            {
                throw Errno.ToException(result, $"read map info of {what}", path);
            }
            var name = Marshal.PtrToStringUTF8((nint)info.Name) ?? string.Empty;
            return Owning(handle, name, (BpfMapType)info.Type, (int)info.KeySize, (int)info.ValueSize, (int)info.MaxEntries, info.MapFlags);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The kernel's id of the map (stable across processes, e.g. for map-in-map lookups).</summary>
    public uint Id
    {
        get
        {
            BpfMapInfo info;
            var length = (uint)sizeof(BpfMapInfo);
            using var lease = Lease();
            Errno.ThrowIfNegative(LibBpf.bpf_obj_get_info_by_fd(lease.Fd, &info, &length), $"read info of map '{Name}'");
            return info.Id;
        }
    }

    /// <summary>Pins the map at <paramref name="path"/> on bpffs (mounting <c>/sys/fs/bpf</c> if needed).</summary>
    public void Pin(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BpfPins.PrepareParent(path);
        using var lease = Lease();
        Errno.ThrowIfNegative(LibBpf.bpf_obj_pin(lease.Fd, path), $"pin map '{Name}'", path);
        PinnedPath = path;
    }

    /// <summary>Removes the map's pin file. The map lives on while a descriptor or program uses it.</summary>
    public void Unpin()
    {
        if (PinnedPath is null)
        {
            throw new InvalidOperationException($"Map '{Name}' is not pinned.");
        }
        File.Delete(PinnedPath);
        PinnedPath = null;
    }
}
