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
public sealed unsafe partial class BpfObject : IDisposable
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

    /// <summary>Where diagnostics about this object go (<see cref="BpfObjectOptions.Logger"/>), or null.</summary>
    internal Microsoft.Extensions.Logging.ILogger? Logger => _options.Logger;

    /// <summary>The object's handle: referenced while a native call uses one of its maps' descriptors.</summary>
    internal System.Runtime.InteropServices.SafeHandle Handle => _handle;

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
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"'{path}' is a directory, not a BPF object file.", nameof(path));
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"BPF object file '{path}' does not exist.", path);
        }
        return FromBytes(File.ReadAllBytes(path), options, ObjectNameFromFile(path));
    }

    /// <summary>Opens a BPF ELF object from its bytes (which are copied).</summary>
    /// <exception cref="BpfObjectFormatException">The bytes are not a valid BPF object (empty, truncated, corrupt).</exception>
    /// <exception cref="FileNotFoundException"><see cref="BpfObjectOptions.BtfCustomPath"/> does not exist.</exception>
    public static BpfObject FromBytes(ReadOnlySpan<byte> elf, BpfObjectOptions? options = null) => FromBytes(elf, options, null);

    private static BpfObject FromBytes(ReadOnlySpan<byte> elf, BpfObjectOptions? options, string? defaultName)
    {
        LibbpfRuntime.EnsureInitialized();
        options ??= new BpfObjectOptions();
        if (options.BtfCustomPath is { } btf && !File.Exists(btf))
        {
            throw new FileNotFoundException($"The BTF file given as BpfObjectOptions.BtfCustomPath, '{btf}', does not exist.", btf);
        }
        if (elf.IsEmpty)
        {
            throw new BpfObjectFormatException("The BPF object is empty (0 bytes).", Errno.EINVAL, string.Empty);
        }
        var copy = NativeMemory.Alloc((nuint)elf.Length);
        elf.CopyTo(new Span<byte>(copy, elf.Length));
        using var capture = LibbpfRuntime.Capture(options.Logger);
        var name = AllocUtf8(options.Name ?? defaultName ?? "gadget");
        var pinRoot = AllocUtf8(options.PinRootPath);
        var btfPath = AllocUtf8(options.BtfCustomPath);
        var kconfig = AllocUtf8(options.Kconfig);
        try
        {
            var opts = new BpfObjectOpenOptions
            {
                Size = (nuint)sizeof(BpfObjectOpenOptions),
                ObjectName = name,
                PinRootPath = pinRoot,
                BtfCustomPath = btfPath,
                Kconfig = kconfig,
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
            NativeMemory.Free(kconfig);
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
        return FromBytes(bytes, options, ObjectNameFromFile(resourceName));
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
    /// Loads the object's maps and programs into the kernel. On failure, throws a <see cref="BpfLoadException"/> that
    /// carries the failing program's name and verifier log, or a <see cref="BpfFeatureNotSupportedException"/> when the
    /// kernel cannot load that kind of program at all.
    /// </summary>
    public void Load()
    {
        ThrowIfDisposed();
        if (_loaded)
        {
            throw new InvalidOperationException($"BPF object '{Name}' is already loaded.");
        }
        using var capture = LibbpfRuntime.Capture(_options.Logger);
        BpfEnvironment.RaiseMemlockLimit();
        var logSize = Math.Max(4096, _options.VerifierLogSize);
        var log = (byte*)NativeMemory.AllocZeroed((nuint)logSize);
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

    /// <summary>
    /// Attaches every loaded program that can attach by its section name alone, as a libbpf skeleton's attach does
    /// (<c>tp/...</c>, <c>tp_btf/...</c>, <c>raw_tp/...</c>, <c>uprobe/binary:function</c>, ...), and skips the others: programs
    /// not loaded, with <see cref="BpfProgram.AutoAttach"/> off, or whose section names no target (<c>SEC("uprobe")</c>,
    /// <c>SEC("usdt")</c>, iterators, custom sections). On a failure, the links made so far are detached and the error thrown.
    /// </summary>
    /// <returns>The links made, in program order; disposing the object detaches them too.</returns>
    /// <exception cref="InvalidOperationException">The object is not loaded.</exception>
    public IReadOnlyList<BpfLink> AttachAll()
    {
        ThrowIfDisposed();
        if (!_loaded)
        {
            throw new InvalidOperationException($"BPF object '{Name}' must be loaded before its programs are attached.");
        }
        var links = new List<BpfLink>();
        try
        {
            foreach (var program in _programs)
            {
                if (program.IsLoaded && program.AutoAttach && program.AttachIfAutoAttachable() is { } link)
                {
                    links.Add(link);
                }
            }
        }
        catch
        {
            foreach (var link in links)
            {
                link.Dispose();
            }
            throw;
        }
        return links;
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
