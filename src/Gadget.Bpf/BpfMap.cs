using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A BPF map: from a loaded <see cref="BpfObject"/>, created from C# with <see cref="Create"/>, or opened from a pin.
/// This class works on raw bytes; <see cref="As{TKey, TValue}"/> gives a typed view checked against the key and value sizes.
/// Maps of an object live as long as the object; created and opened maps must be disposed.
/// </summary>
public sealed unsafe class BpfMap : IDisposable
{
    private readonly BpfObject? _owner;
    private readonly nint _pointer;
    private readonly FileDescriptorHandle? _fd;

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
            var fd = LibBpf.bpf_map__fd(Pointer);
            return fd >= 0 ? fd : throw new InvalidOperationException($"Map '{Name}' is not created yet; call BpfObject.Load() first.");
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

    /// <summary>Creates a map from C#, without an object file.</summary>
    /// <param name="type">The map type.</param>
    /// <param name="keySize">Key size in bytes (0 for ring buffers, 4 for arrays).</param>
    /// <param name="valueSize">Value size in bytes (0 for ring buffers; 4 for prog arrays and maps of maps).</param>
    /// <param name="maxEntries">Maximum entries (ring buffer: size in bytes, a power of two multiple of the page size).</param>
    /// <param name="name">Map name: ASCII letters, digits, '_' and '.'; at most 15 characters are kept.</param>
    /// <param name="flags"><c>BPF_F_*</c> creation flags, e.g. <c>BPF_F_NO_PREALLOC</c> (1).</param>
    /// <param name="innerMap">For <see cref="BpfMapType.ArrayOfMaps"/> and <see cref="BpfMapType.HashOfMaps"/>: a map whose shape the inner maps must have.</param>
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
        BpfEnvironment.RaiseMemlockLimit();
        var opts = new BpfMapCreateOptions
        {
            Size = (nuint)sizeof(BpfMapCreateOptions),
            MapFlags = flags,
            InnerMapFd = innerMap is null ? 0u : (uint)innerMap.FileDescriptor,
        };
        var shortName = name is null ? null : name.Length > 15 ? name[..15] : name;
        var fd = LibBpf.bpf_map_create((int)type, shortName, (uint)keySize, (uint)valueSize, (uint)maxEntries, &opts);
        if (fd < 0)
        {
            var e = Errno.ToException(fd, $"create {type} map '{name}' (key {keySize} B, value {valueSize} B, {maxEntries} entries)");
            if (-fd == Errno.EINVAL && !BpfEnvironment.IsSupported(type))
            {
                var linux = KernelFeatureHistory.MapTypeAddedIn(type);
                throw new BpfFeatureNotSupportedException(type.ToString(), $"This kernel does not support {type} maps{(linux is null ? string.Empty : $" (Linux {linux} added them)")}.");
            }
            throw e;
        }
        return new BpfMap(new FileDescriptorHandle(fd), shortName ?? string.Empty, type, keySize, valueSize, maxEntries, flags);
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
            throw Errno.ToException(fd, "open pinned map", path);
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
            if (!IsMapDescriptor(handle.Fd))
            {
                throw new ArgumentException($"The {what} is not a BPF map.", nameof(path));
            }
            BpfMapInfo info;
            var length = (uint)sizeof(BpfMapInfo);
            var result = LibBpf.bpf_obj_get_info_by_fd(handle.Fd, &info, &length);
            if (result < 0)
            {
                throw Errno.ToException(result, $"read map info of {what}", path);
            }
            var name = Marshal.PtrToStringUTF8((nint)info.Name) ?? string.Empty;
            return new BpfMap(handle, name, (BpfMapType)info.Type, (int)info.KeySize, (int)info.ValueSize, (int)info.MaxEntries, info.MapFlags);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static bool IsMapDescriptor(int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
            {
                if (line.StartsWith("map_type:", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // no procfs: let the kernel's answer decide
        }
    }

    /// <summary>The kernel's id of the map (stable across processes, e.g. for map-in-map lookups).</summary>
    public uint Id
    {
        get
        {
            BpfMapInfo info;
            var length = (uint)sizeof(BpfMapInfo);
            Errno.ThrowIfNegative(LibBpf.bpf_obj_get_info_by_fd(FileDescriptor, &info, &length), $"read info of map '{Name}'");
            return info.Id;
        }
    }

    /// <summary>Changes the map's size before its object is loaded (e.g. a ring buffer's bytes).</summary>
    public void SetMaxEntries(int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        Errno.ThrowIfNegative(LibBpf.bpf_map__set_max_entries(Pointer, (uint)maxEntries), $"set max_entries of map '{Name}' (only possible before load)");
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
        if (existing.Type != Type || existing.KeySize != KeySize || existing.ValueSize != ValueSize)
        {
            throw new ArgumentException(
                $"Map '{Name}' ({Type}, key {KeySize} B, value {ValueSize} B) cannot reuse '{existing.Name}' ({existing.Type}, key {existing.KeySize} B, value {existing.ValueSize} B).",
                nameof(existing));
        }
        Errno.ThrowIfNegative(LibBpf.bpf_map__reuse_fd(Pointer, existing.FileDescriptor), $"make map '{Name}' reuse map '{existing.Name}'");
    }

    /// <summary>For a map-in-map of an object, sets the template of its inner maps before load.</summary>
    public void SetInnerMap(BpfMap template)
    {
        ArgumentNullException.ThrowIfNull(template);
        Errno.ThrowIfNegative(LibBpf.bpf_map__set_inner_map_fd(Pointer, template.FileDescriptor), $"set inner map of '{Name}'");
    }

    /// <summary>Pins the map at <paramref name="path"/> on bpffs (mounting <c>/sys/fs/bpf</c> if needed).</summary>
    public void Pin(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fd = FileDescriptor;
        BpfPins.PrepareParent(path);
        Errno.ThrowIfNegative(LibBpf.bpf_obj_pin(fd, path), $"pin map '{Name}'", path);
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
            return Found(LibBpf.bpf_map_lookup_elem(FileDescriptor, k, v), "look up");
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
            var result = LibBpf.bpf_map_update_elem(FileDescriptor, k, v, (ulong)flags);
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
            return Deleted(LibBpf.bpf_map_delete_elem(FileDescriptor, k));
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
            return Found(LibBpf.bpf_map_lookup_and_delete_elem(FileDescriptor, key.IsEmpty ? null : k, v), "look up and delete");
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
            return Found(LibBpf.bpf_map_get_next_key(FileDescriptor, key.IsEmpty ? null : k, n), "iterate");
        }
    }

    /// <summary>Releases a created or opened map's descriptor. For a map of a <see cref="BpfObject"/> this does nothing: the object owns it.</summary>
    public void Dispose() => _fd?.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type}, key {KeySize} B, value {ValueSize} B, {MaxEntries} entries)";

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
