using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A BPF ELF object opened through libbpf and not loaded yet: what can still change before the kernel sees it. Set its
/// globals (e.g. a pid filter in <c>.rodata</c>), its maps' sizes, types and reuse (<see cref="Maps"/>), its programs'
/// types, targets and whether they load (<see cref="Programs"/>), then <see cref="Load"/> it: that gives the loaded
/// <see cref="BpfObject"/>, which owns the libbpf object from then on. A spec is loaded at most once; disposing one that was
/// not loaded releases what libbpf opened. Not thread-safe: configure and load it from one thread.
/// </summary>
public sealed unsafe partial class BpfObjectSpec : IDisposable
{
    private readonly BpfObjectOptions _options;
    private readonly BpfProgramSpec[] _programs;
    private readonly BpfMapSpec[] _maps;
    private BpfObjectHandle? _handle;
    private void* _elfCopy;
    private State _state;

    private BpfObjectSpec(BpfObjectHandle handle, void* elfCopy, BpfObjectOptions options)
    {
        _handle = handle;
        _elfCopy = elfCopy;
        _options = options;
        var pointer = handle.DangerousGetHandle();
        Name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_object__name(pointer)) ?? string.Empty;
        var programs = new List<BpfProgramSpec>();
        for (var prog = LibBpf.bpf_object__next_program(pointer, 0); prog != 0; prog = LibBpf.bpf_object__next_program(pointer, prog))
        {
            programs.Add(new BpfProgramSpec(this, prog));
        }
        var maps = new List<BpfMapSpec>();
        for (var map = LibBpf.bpf_object__next_map(pointer, 0); map != 0; map = LibBpf.bpf_object__next_map(pointer, map))
        {
            maps.Add(new BpfMapSpec(this, map));
        }
        _programs = [.. programs];
        _maps = [.. maps];
    }

    private enum State
    {
        Open,
        Loaded,
        LoadFailed,
        Disposed,
    }

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>Where libbpf's messages while this spec is configured and loaded go (<see cref="BpfObjectOptions.Logger"/>), or null.</summary>
    internal Microsoft.Extensions.Logging.ILogger? Logger => _options.Logger;

    /// <summary>The object's programs, in ELF order.</summary>
    public IReadOnlyList<BpfProgramSpec> Programs => _programs;

    /// <summary>The object's maps, including internal ones (<c>.rodata</c>, <c>.bss</c>, ...).</summary>
    public IReadOnlyList<BpfMapSpec> Maps => _maps;

    /// <summary>The libbpf object, while this spec still owns it and has not loaded it.</summary>
    /// <exception cref="ObjectDisposedException">The spec is disposed.</exception>
    /// <exception cref="InvalidOperationException">The spec was loaded (or its load failed): open a new one to change anything.</exception>
    internal nint Pointer
    {
        get
        {
            switch (_state)
            {
                case State.Open:
                    return _handle!.DangerousGetHandle();
                case State.Disposed:
                    throw new ObjectDisposedException($"BPF object spec '{Name}'");
                default:
                    throw new InvalidOperationException(
                        $"BPF object spec '{Name}' was {(_state == State.Loaded ? "loaded" : "loaded and failed")} already: what it holds can only be changed before Load. Open a new spec.");
            }
        }
    }

    /// <summary>Opens a BPF ELF object file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BpfObjectFormatException">The file is not a valid BPF object (also: larger than 64 MiB, e.g. a device
    /// such as <c>/dev/zero</c>).</exception>
    public static BpfObjectSpec Open(string path, BpfObjectOptions? options = null)
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
        return FromBytes(ReadObjectFile(path), options, ObjectNameFromFile(path));
    }

    /// <summary>The largest object file read: far above any BPF object (a few MiB, tens with much debug information), so
    /// that a device such as <c>/dev/zero</c> or an endless pipe is refused instead of filling memory.</summary>
    private const int MaxObjectFileBytes = 64 * 1024 * 1024;

    /// <summary>A file's bytes, up to <see cref="MaxObjectFileBytes"/>: a regular file, or a pipe such as <c>/dev/fd/63</c>
    /// (a shell's process substitution), which has no length to ask for beforehand.</summary>
    private static byte[] ReadObjectFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        using var bytes = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (bytes.Length + read > MaxObjectFileBytes)
            {
                throw new BpfObjectFormatException(
                    $"'{path}' holds more than {MaxObjectFileBytes / (1024 * 1024)} MiB: not a BPF object file.", LinuxErrno.EFBIG, string.Empty);
            }
            bytes.Write(buffer, 0, read);
        }
        return bytes.ToArray();
    }

    /// <summary>Opens a BPF ELF object from its bytes (which are copied).</summary>
    /// <exception cref="BpfObjectFormatException">The bytes are not a valid BPF object (empty, truncated, corrupt).</exception>
    /// <exception cref="FileNotFoundException"><see cref="BpfObjectOptions.BtfCustomPath"/> does not exist.</exception>
    public static BpfObjectSpec FromBytes(ReadOnlySpan<byte> elf, BpfObjectOptions? options = null) => FromBytes(elf, options, null);

    /// <summary>Opens a BPF object embedded as a manifest resource of <paramref name="assembly"/>.</summary>
    /// <remarks>
    /// An object built once per architecture is embedded once per architecture, under the architecture's name:
    /// <c>x86_64/NAME.bpf.o</c> and <c>arm64/NAME.bpf.o</c> (e.g. <c>&lt;EmbeddedResource Include="bpf/out/arm64/app.bpf.o"
    /// LogicalName="arm64/app.bpf.o" /&gt;</c>). Given <c>NAME.bpf.o</c>, the one of the process's architecture
    /// (<see cref="RuntimeInformation.ProcessArchitecture"/>) is opened; an object embedded once, for every architecture,
    /// is found by its name or a unique suffix of it.
    /// </remarks>
    /// <param name="assembly">The assembly holding the resource.</param>
    /// <param name="resourceName">The resource's full name, or a unique suffix of it (e.g. <c>syscalls.bpf.o</c>).</param>
    /// <param name="options">Open options.</param>
    /// <exception cref="FileNotFoundException">No such resource; the message lists those that exist.</exception>
    /// <exception cref="PlatformNotSupportedException">
    /// The assembly carries the object for other architectures only; the message names the process's and those.
    /// </exception>
    public static BpfObjectSpec FromEmbeddedResource(Assembly assembly, string resourceName, BpfObjectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(resourceName);
        var match = EmbeddedObjectNames.Resolve(
            assembly.GetManifestResourceNames(), resourceName, RuntimeInformation.ProcessArchitecture, assembly.GetName().Name ?? "?");
        using var stream = assembly.GetManifestResourceStream(match)!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return FromBytes(bytes, options, ObjectNameFromFile(resourceName));
    }

    private static BpfObjectSpec FromBytes(ReadOnlySpan<byte> elf, BpfObjectOptions? options, string? defaultName)
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
        // libbpf reads the ELF image until the object is loaded (or closed): the copy lives as long.
        var copy = NativeMemory.Alloc((nuint)elf.Length);
        elf.CopyTo(new Span<byte>(copy, elf.Length));
        using var capture = LibbpfRuntime.Capture(options.Logger);
        var name = AllocUtf8(options.Name ?? defaultName ?? "gadget");
        var pinRoot = AllocUtf8(options.PinRootPath);
        // libbpf (1.1.2, Debian 12's, here) looks for CO-RE candidates missing from vmlinux (a ___flavour of an old kernel's type) and for attach
        // targets in the modules' BTF, listed with BPF_BTF_GET_NEXT_ID, which needs CAP_SYS_ADMIN: without it the whole
        // load fails with EPERM. Naming the kernel's own BTF file leaves the modules out, so CAP_BPF + CAP_PERFMON suffice.
        var btfPath = AllocUtf8(options.BtfCustomPath ?? (Capabilities.Has(EffectiveCapabilities.SysAdmin) || !BpfEnvironment.HasKernelBtf ? null : BpfEnvironment.KernelBtfPath));
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
                if (Math.Abs(errno) is Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM)
                {
                    // Not the object's fault: the process or the system ran out of descriptors or memory while reading it.
                    throw Errno.ToException(errno, $"open BPF object '{options.Name ?? defaultName ?? "gadget"}' ({elf.Length} bytes)");
                }
                throw new BpfObjectFormatException(
                    $"Not a valid BPF object ({elf.Length} bytes): {Errno.Describe(errno)}." + (log.Length > 0 ? $" libbpf said: {BpfObject.LastLines(log, 5)}" : string.Empty),
                    errno,
                    log);
            }
            return new BpfObjectSpec(new BpfObjectHandle(pointer), copy, options);
        }
        finally
        {
            NativeMemory.Free(name);
            NativeMemory.Free(pinRoot);
            NativeMemory.Free(btfPath);
            NativeMemory.Free(kconfig);
        }
    }

    /// <summary>The program named <paramref name="name"/> (its C function name).</summary>
    /// <exception cref="KeyNotFoundException">No such program; the message lists the object's programs.</exception>
    public BpfProgramSpec Program(string name) =>
        TryGetProgram(name, out var program)
            ? program
            : throw new KeyNotFoundException($"BPF object '{Name}' has no program '{name}'. Programs: {string.Join(", ", _programs.Select(p => p.Name))}.");

    /// <summary>Finds a program by name.</summary>
    public bool TryGetProgram(string name, [NotNullWhen(true)] out BpfProgramSpec? program)
    {
        program = Array.Find(_programs, p => p.Name == name);
        return program is not null;
    }

    /// <summary>The map named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such map; the message lists the object's maps.</exception>
    public BpfMapSpec Map(string name) =>
        TryGetMap(name, out var map)
            ? map
            : throw new KeyNotFoundException($"BPF object '{Name}' has no map '{name}'. Maps: {string.Join(", ", _maps.Select(m => m.Name))}.");

    /// <summary>Finds a map by name.</summary>
    public bool TryGetMap(string name, [NotNullWhen(true)] out BpfMapSpec? map)
    {
        map = Array.Find(_maps, m => m.Name == name);
        return map is not null;
    }

    /// <summary>
    /// Loads the object's maps and programs into the kernel and hands the libbpf object over to the returned
    /// <see cref="BpfObject"/> (dispose that one; disposing this spec afterwards does nothing). On failure, what libbpf had
    /// created is released at once and a <see cref="BpfLoadException"/> carries the failing program's name and verifier
    /// log, or a <see cref="BpfFeatureNotSupportedException"/> says what the kernel lacks, or a
    /// <see cref="BpfPermissionException"/> which capability. Either way the spec cannot be loaded again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already (or its load failed).</exception>
    /// <exception cref="ObjectDisposedException">The spec is disposed.</exception>
    public BpfObject Load()
    {
        var pointer = Pointer;
        // The object's logger hears libbpf from here on, and so does the memlock diagnostic.
        using var capture = LibbpfRuntime.Capture(_options.Logger);
        BpfEnvironment.RaiseMemlockLimit();
        // The kernel refuses a log buffer over UINT_MAX >> 2 bytes with EINVAL, which would then stand in for the verifier's log.
        var logSize = Math.Clamp(_options.VerifierLogSize, 4096, (int)(uint.MaxValue >> 2));
        var log = (byte*)NativeMemory.AllocZeroed((nuint)logSize);
        Exception? failure = null;
        try
        {
            foreach (var program in _programs)
            {
                LibBpf.bpf_program__set_log_buf(program.Pointer, log, (nuint)logSize);
            }
            var result = LibBpf.bpf_object__load(pointer);
            foreach (var program in _programs)
            {
                LibBpf.bpf_program__set_log_buf(program.Pointer, null, 0);
            }
            if (result < 0)
            {
                failure = LoadFailure(-result, Marshal.PtrToStringUTF8((nint)log) ?? string.Empty, capture.Text);
            }
        }
        finally
        {
            NativeMemory.Free(log);
            FreeElfCopy();
        }
        var handle = _handle!;
        _handle = null;
        if (failure is not null)
        {
            // libbpf refuses a second load of the same object: close it now, with the maps and programs it created.
            _state = State.LoadFailed;
            handle.Dispose();
            throw failure;
        }
        _state = State.Loaded;
        try
        {
            return new BpfObject(handle, Name, _maps.ToDictionary(m => m.RawPointer, m => m.Name), _options.Logger);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Releases what libbpf opened, unless <see cref="Load"/> handed it over to a <see cref="BpfObject"/>.</summary>
    public void Dispose()
    {
        if (_state == State.Open)
        {
            _state = State.Disposed;
            _handle?.Dispose();
            _handle = null;
            FreeElfCopy();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({_programs.Length} programs, {_maps.Length} maps, {_state.ToString().ToLowerInvariant()})";

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
}
