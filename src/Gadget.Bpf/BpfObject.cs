using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A BPF ELF object (programs, maps, globals) opened through libbpf. Open it, optionally set globals (e.g. a pid
/// filter in <c>.rodata</c>) and map sizes, <see cref="Load"/> it into the kernel, then attach its programs.
/// Disposing it detaches the links it created (unless pinned) and closes its programs and maps.
/// </summary>
public sealed unsafe class BpfObject : IDisposable
{
    private const uint BtfKindDatasec = 15;
    private readonly BpfObjectHandle _handle;
    private readonly List<BpfProgram> _programs = [];
    private readonly List<BpfMap> _maps = [];
    private readonly List<BpfLink> _links = [];
    private readonly BpfObjectOptions _options;
    private void* _elfCopy;
    private bool _loaded;

    private BpfObject(BpfObjectHandle handle, void* elfCopy, BpfObjectOptions options)
    {
        _handle = handle;
        _elfCopy = elfCopy;
        _options = options;
        Name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_object__name(handle.DangerousGetHandle())) ?? string.Empty;
        var pointer = handle.DangerousGetHandle();
        for (var prog = LibBpf.bpf_object__next_program(pointer, 0); prog != 0; prog = LibBpf.bpf_object__next_program(pointer, prog))
        {
            _programs.Add(new BpfProgram(this, prog));
        }
        for (var map = LibBpf.bpf_object__next_map(pointer, 0); map != 0; map = LibBpf.bpf_object__next_map(pointer, map))
        {
            _maps.Add(new BpfMap(this, map));
        }
    }

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>Whether <see cref="Load"/> has completed.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>Whether the object has been disposed.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The object's programs, in ELF order.</summary>
    public IReadOnlyList<BpfProgram> Programs => _programs;

    /// <summary>The object's maps, including internal ones (<c>.rodata</c>, <c>.bss</c>, ...).</summary>
    public IReadOnlyList<BpfMap> Maps => _maps;

    internal nint Pointer
    {
        get
        {
            ThrowIfDisposed();
            return _handle.DangerousGetHandle();
        }
    }

    /// <summary>Opens a BPF ELF object file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BpfObjectFormatException">The file is not a valid BPF object.</exception>
    public static BpfObject Open(string path, BpfObjectOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"BPF object file '{path}' does not exist.", path);
        }
        return FromBytes(File.ReadAllBytes(path), options ?? new BpfObjectOptions { Name = ObjectNameFromFile(path) });
    }

    /// <summary>Opens a BPF ELF object from its bytes (which are copied).</summary>
    /// <exception cref="BpfObjectFormatException">The bytes are not a valid BPF object (empty, truncated, corrupt).</exception>
    public static BpfObject FromBytes(ReadOnlySpan<byte> elf, BpfObjectOptions? options = null)
    {
        LibbpfRuntime.EnsureInitialized();
        options ??= new BpfObjectOptions();
        if (elf.IsEmpty)
        {
            throw new BpfObjectFormatException("The BPF object is empty (0 bytes).", Errno.EINVAL, string.Empty);
        }
        var copy = NativeMemory.Alloc((nuint)elf.Length);
        elf.CopyTo(new Span<byte>(copy, elf.Length));
        using var capture = LibbpfRuntime.Capture();
        var name = AllocUtf8(options.Name ?? "gadget");
        var pinRoot = AllocUtf8(options.PinRootPath);
        var btfPath = AllocUtf8(options.BtfCustomPath);
        try
        {
            var opts = new BpfObjectOpenOptions
            {
                Size = (nuint)sizeof(BpfObjectOpenOptions),
                ObjectName = name,
                PinRootPath = pinRoot,
                BtfCustomPath = btfPath,
            };
            var pointer = LibBpf.bpf_object__open_mem(copy, (nuint)elf.Length, &opts);
            if (pointer == 0)
            {
                var errno = Errno.Last;
                NativeMemory.Free(copy);
                var log = capture.Text;
                throw new BpfObjectFormatException(
                    $"Not a valid BPF object ({elf.Length} bytes): {Errno.Describe(errno)}." + (log.Length > 0 ? $" libbpf said: {LastLines(log, 5)}" : string.Empty),
                    errno,
                    log);
            }
            return new BpfObject(new BpfObjectHandle(pointer), copy, options);
        }
        finally
        {
            NativeMemory.Free(name);
            NativeMemory.Free(pinRoot);
            NativeMemory.Free(btfPath);
        }
    }

    /// <summary>Opens a BPF object embedded as a manifest resource of <paramref name="assembly"/>.</summary>
    /// <param name="assembly">The assembly holding the resource.</param>
    /// <param name="resourceName">The resource's full name, or a unique suffix of it (e.g. <c>syscalls.bpf.o</c>).</param>
    /// <param name="options">Open options.</param>
    /// <exception cref="FileNotFoundException">No such resource; the message lists those that exist.</exception>
    public static BpfObject FromEmbeddedResource(Assembly assembly, string resourceName, BpfObjectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(resourceName);
        var names = assembly.GetManifestResourceNames();
        var match = names.FirstOrDefault(n => n == resourceName)
            ?? names.SingleOrDefault(n => n.EndsWith("." + resourceName, StringComparison.Ordinal) || n.EndsWith("/" + resourceName, StringComparison.Ordinal));
        if (match is null)
        {
            throw new FileNotFoundException(
                $"Assembly '{assembly.GetName().Name}' has no embedded BPF object '{resourceName}'. Embedded resources: {string.Join(", ", names)}.",
                resourceName);
        }
        using var stream = assembly.GetManifestResourceStream(match)!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return FromBytes(bytes, options ?? new BpfObjectOptions { Name = ObjectNameFromFile(resourceName) });
    }

    /// <summary>The program named <paramref name="name"/> (its C function name).</summary>
    /// <exception cref="KeyNotFoundException">No such program; the message lists the object's programs.</exception>
    public BpfProgram Program(string name) =>
        TryGetProgram(name, out var program)
            ? program
            : throw new KeyNotFoundException($"BPF object '{Name}' has no program '{name}'. Programs: {string.Join(", ", _programs.Select(p => p.Name))}.");

    /// <summary>Finds a program by name.</summary>
    public bool TryGetProgram(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BpfProgram? program)
    {
        ThrowIfDisposed();
        program = _programs.FirstOrDefault(p => p.Name == name);
        return program is not null;
    }

    /// <summary>The map named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such map; the message lists the object's maps.</exception>
    public BpfMap Map(string name) =>
        TryGetMap(name, out var map)
            ? map
            : throw new KeyNotFoundException($"BPF object '{Name}' has no map '{name}'. Maps: {string.Join(", ", _maps.Select(m => m.Name))}.");

    /// <summary>Finds a map by name.</summary>
    public bool TryGetMap(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BpfMap? map)
    {
        ThrowIfDisposed();
        map = _maps.FirstOrDefault(m => m.Name == name);
        return map is not null;
    }

    /// <summary>
    /// Sets a global variable of the BPF program before <see cref="Load"/>: a <c>const volatile</c> one (in <c>.rodata</c>,
    /// which the verifier then treats as a constant, e.g. a pid filter), or a <c>.data</c>/<c>.bss</c> one's initial value.
    /// </summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">The object is already loaded.</exception>
    public void SetGlobal<T>(string name, T value)
        where T : unmanaged
    {
        var target = FindGlobal(name, sizeof(T));
        Unsafe.WriteUnaligned(target, value);
    }

    /// <summary>
    /// Reads a global variable: before <see cref="Load"/> its initial value, after it the live value in the kernel
    /// (e.g. a counter in <c>.bss</c> that the BPF program updates).
    /// </summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    public T GetGlobal<T>(string name)
        where T : unmanaged
    {
        var (map, offset) = LocateGlobal(name, sizeof(T));
        if (!_loaded)
        {
            return Unsafe.ReadUnaligned<T>(InitialValue(map, name, offset, sizeof(T)));
        }
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(map.ValueSize);
        try
        {
            Span<byte> key = stackalloc byte[4];
            key.Clear();
            var value = buffer.AsSpan(0, map.ValueSize);
            if (!map.TryLookup(key, value))
            {
                throw new InvalidOperationException($"The kernel returned no value for map '{map.Name}' holding global '{name}'.");
            }
            return MemoryMarshal.Read<T>(value[offset..]);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Loads the object's maps and programs into the kernel. On failure, throws a <see cref="BpfLoadException"/> that
    /// carries the failing program's name and verifier log, or a <see cref="BpfFeatureNotSupportedException"/> when the
    /// kernel cannot load that kind of program at all, does not know a helper a program calls, or does not support the
    /// type of one of the object's maps (naming the helper or map type and, when known, the Linux release that added it).
    /// </summary>
    public void Load()
    {
        ThrowIfDisposed();
        if (_loaded)
        {
            throw new InvalidOperationException($"BPF object '{Name}' is already loaded.");
        }
        BpfEnvironment.RaiseMemlockLimit();
        var logSize = Math.Max(4096, _options.VerifierLogSize);
        var log = (byte*)NativeMemory.AllocZeroed((nuint)logSize);
        using var capture = LibbpfRuntime.Capture();
        try
        {
            foreach (var program in _programs)
            {
                LibBpf.bpf_program__set_log_buf(program.Pointer, log, (nuint)logSize);
            }
            var result = LibBpf.bpf_object__load(Pointer);
            if (result < 0)
            {
                throw LoadFailure(-result, Marshal.PtrToStringUTF8((nint)log) ?? string.Empty, capture.Text);
            }
            _loaded = true;
        }
        finally
        {
            foreach (var program in _programs)
            {
                LibBpf.bpf_program__set_log_buf(program.Pointer, null, 0);
            }
            NativeMemory.Free(log);
            FreeElfCopy();
        }
    }

    /// <summary>Detaches the links this object created (except pinned ones), then closes its programs and maps.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }
        BpfLink[] links;
        lock (_links)
        {
            links = [.. _links];
            _links.Clear();
        }
        foreach (var link in links)
        {
            link.Dispose();
        }
        _handle.Dispose();
        FreeElfCopy();
    }

    internal void Track(BpfLink link)
    {
        lock (_links)
        {
            _links.Add(link);
        }
    }

    internal void Untrack(BpfLink link)
    {
        lock (_links)
        {
            _links.Remove(link);
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    private Exception LoadFailure(int errno, string verifierLog, string libbpfLog)
    {
        // Programs load in ELF order and loading stops at the first failure: that is the first one without an fd.
        var failing = _programs.FirstOrDefault(p => LibBpf.bpf_program__autoload(p.Pointer) && LibBpf.bpf_program__fd(p.Pointer) < 0);
        var isProgramFailure = failing is not null && (verifierLog.Length > 0 || libbpfLog.Contains("prog '" + failing.Name + "'", StringComparison.Ordinal));
        if (isProgramFailure && failing!.Type is BpfProgramType.Tracing or BpfProgramType.Lsm or BpfProgramType.Ext
            && errno is Errno.EPERM or Errno.EINVAL or Errno.ENOTSUPP or Errno.EOPNOTSUPP && verifierLog.Length == 0)
        {
            var lockdown = BpfEnvironment.LockdownMode;
            var feature = failing.SectionName.Split('/')[0];
            return new BpfFeatureNotSupportedException(
                feature,
                $"Program '{failing.Name}' ({failing.SectionName}) cannot be loaded: this kernel does not allow {feature} programs " +
                $"({Errno.Name(errno)}, empty verifier log{(lockdown is null ? string.Empty : $", kernel lockdown mode '{lockdown}'")}). " +
                "Use a tracepoint (SEC(\"tp/...\")), a BTF tracepoint (SEC(\"tp_btf/...\")) or a raw tracepoint instead.");
        }
        if (isProgramFailure && KernelFeatureHistory.TryFindUnknownHelper(verifierLog, out var helper, out var helperLinux))
        {
            return new BpfFeatureNotSupportedException(
                helper,
                $"Program '{failing!.Name}' ({failing.SectionName}) of BPF object '{Name}' calls {helper}, which this kernel " +
                $"({Environment.OSVersion.Version}) does not have{(helperLinux is null ? string.Empty : $": Linux {helperLinux} added it")}. " +
                "Probe it with BpfEnvironment.IsHelperSupported and leave the program out (BpfProgram.AutoLoad = false) where it is missing.");
        }
        if (!isProgramFailure && _maps.FirstOrDefault(m => !BpfEnvironment.IsSupported(m.Type)) is { } unsupported)
        {
            var mapLinux = KernelFeatureHistory.MapTypeAddedIn(unsupported.Type);
            return new BpfFeatureNotSupportedException(
                $"{unsupported.Type} map",
                $"Map '{unsupported.Name}' of BPF object '{Name}' is a {unsupported.Type} map, which this kernel " +
                $"({Environment.OSVersion.Version}) does not support{(mapLinux is null ? string.Empty : $": Linux {mapLinux} added them")}.");
        }
        var what = isProgramFailure ? $"program '{failing!.Name}' ({failing.SectionName})" : "its maps or relocations";
        var message = new StringBuilder($"Loading BPF object '{Name}' failed in {what}: {Errno.Name(errno)} ({Errno.Describe(errno)}).");
        if (verifierLog.Length > 0)
        {
            message.Append(" Verifier log (last lines):\n").Append(LastLines(verifierLog, 12));
        }
        else if (libbpfLog.Length > 0)
        {
            message.Append(" libbpf said:\n").Append(LastLines(libbpfLog, 8));
        }
        if (errno is Errno.EPERM or Errno.EACCES && verifierLog.Length == 0)
        {
            message.Append("\nLoading BPF needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run as root.");
        }
        return new BpfLoadException(message.ToString(), errno, isProgramFailure ? failing!.Name : null, verifierLog, libbpfLog);
    }

    private byte* FindGlobal(string name, int size)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfDisposed();
        if (_loaded)
        {
            throw new InvalidOperationException($"Global '{name}' must be set before BPF object '{Name}' is loaded.");
        }
        var (map, offset) = LocateGlobal(name, size);
        return InitialValue(map, name, offset, size);
    }

    private static byte* InitialValue(BpfMap map, string name, int offset, int size)
    {
        nuint dataSize;
        var data = (byte*)LibBpf.bpf_map__initial_value(map.Pointer, &dataSize);
        if (data is null || (nuint)(offset + size) > dataSize)
        {
            throw new InvalidOperationException($"Global '{name}' in map '{map.Name}' has no initial value area.");
        }
        return data + offset;
    }

    /// <summary>Finds a global by name in the BTF data sections: the internal map that holds it and its offset there.</summary>
    private (BpfMap Map, int Offset) LocateGlobal(string name, int size)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfDisposed();
        var btf = LibBpf.bpf_object__btf(Pointer);
        if (btf == 0)
        {
            throw new InvalidOperationException($"BPF object '{Name}' has no BTF, so its globals cannot be found by name. Compile it with 'clang -g'.");
        }
        foreach (var map in _maps)
        {
            var dot = map.Name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                continue;
            }
            var section = map.Name[dot..];
            var datasecId = LibBpf.btf__find_by_name_kind(btf, section, BtfKindDatasec);
            if (datasecId <= 0)
            {
                continue;
            }
            var datasec = LibBpf.btf__type_by_id(btf, (uint)datasecId);
            var variables = (BtfVariableSectionInfo*)(datasec + 1);
            for (var i = 0; i < datasec->VariableLength; i++)
            {
                var variable = LibBpf.btf__type_by_id(btf, variables[i].Type);
                var variableName = Marshal.PtrToStringUTF8((nint)LibBpf.btf__name_by_offset(btf, variable->NameOffset));
                if (variableName != name)
                {
                    continue;
                }
                if (variables[i].Size != size)
                {
                    throw new ArgumentException(
                        $"Global '{name}' in {section} is {variables[i].Size} bytes, but the value given is {size} bytes.", nameof(name));
                }
                return (map, (int)variables[i].Offset);
            }
        }
        throw new KeyNotFoundException($"BPF object '{Name}' has no global variable '{name}' in .rodata, .data or .bss.");
    }

    private void FreeElfCopy()
    {
        if (_elfCopy is not null)
        {
            NativeMemory.Free(_elfCopy);
            _elfCopy = null;
        }
    }

    private static byte* AllocUtf8(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var bytes = Encoding.UTF8.GetByteCount(text);
        var buffer = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
        Encoding.UTF8.GetBytes(text, new Span<byte>(buffer, bytes));
        buffer[bytes] = 0;
        return buffer;
    }

    private static string ObjectNameFromFile(string path)
    {
        var file = Path.GetFileName(path);
        var dot = file.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? file[..dot] : file;
    }

    internal static string LastLines(string text, int count)
    {
        var lines = text.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }
}
