using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A BPF ELF object loaded into the kernel: its programs, ready to attach, and its maps, created. Get one from
/// <see cref="BpfObjectSpec.Load"/> (after setting globals, map sizes, program types on the spec) or, for an object that
/// needs no such change, in one step with <see cref="Load(string, BpfObjectOptions?)"/>.
/// Disposing it detaches the links it created (unless pinned) and closes its programs and maps.
/// </summary>
public sealed unsafe partial class BpfObject : IDisposable
{
    private readonly BpfObjectHandle _handle;
    private readonly BpfProgram[] _programs;
    private readonly BpfMap[] _maps;
    private readonly string[] _notLoadedPrograms;
    private readonly string[] _notCreatedMaps;
    private readonly List<BpfLink> _links = [];
    private bool _disposing;

    /// <summary>
    /// Takes over <paramref name="handle"/>, whose object libbpf has just loaded; <paramref name="mapNames"/> are the maps'
    /// names as declared (libbpf renames a map that reuses another after the other).
    /// </summary>
    internal BpfObject(BpfObjectHandle handle, string name, IReadOnlyDictionary<nint, string> mapNames, Microsoft.Extensions.Logging.ILogger? logger)
    {
        _handle = handle;
        Name = name;
        Logger = logger;
        var pointer = handle.DangerousGetHandle();
        var programs = new List<BpfProgram>();
        var notLoaded = new List<string>();
        for (var prog = LibBpf.bpf_object__next_program(pointer, 0); prog != 0; prog = LibBpf.bpf_object__next_program(pointer, prog))
        {
            var fd = LibBpf.bpf_program__fd(prog);
            if (fd >= 0)
            {
                programs.Add(new BpfProgram(this, handle, prog, fd));
            }
            else
            {
                notLoaded.Add(Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__name(prog)) ?? string.Empty);
            }
        }
        var maps = new List<BpfMap>();
        var notCreated = new List<string>();
        for (var map = LibBpf.bpf_object__next_map(pointer, 0); map != 0; map = LibBpf.bpf_object__next_map(pointer, map))
        {
            // libbpf 1.3+ reserves a placeholder descriptor for every map at open: only a map it created has a real one.
            var fd = LibBpf.bpf_map__fd(map);
            if (LibBpf.bpf_map__autocreate(map) && fd >= 0)
            {
                maps.Add(BpfMap.OfObject(handle, map, fd, mapNames[map], logger));
            }
            else
            {
                notCreated.Add(mapNames[map]);
            }
        }
        _programs = [.. programs];
        _maps = [.. maps];
        _notLoadedPrograms = [.. notLoaded];
        _notCreatedMaps = [.. notCreated];
        BpfMetrics.ProgramsLoaded(Name, _programs.Length);
    }

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>Whether the object has been disposed.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The object's loaded programs, in ELF order (those left out with <see cref="BpfProgramSpec.AutoLoad"/> are not here).</summary>
    public IReadOnlyList<BpfProgram> Programs => _programs;

    /// <summary>
    /// The object's maps, including internal ones (<c>.rodata</c>, <c>.bss</c>, ...); those left out with
    /// <see cref="BpfMapSpec.AutoCreate"/> are not here.
    /// </summary>
    public IReadOnlyList<BpfMap> Maps => _maps;

    /// <summary>Where libbpf's messages while its programs attach, and diagnostics about it, go (<see cref="BpfObjectOptions.Logger"/>), or null.</summary>
    internal Microsoft.Extensions.Logging.ILogger? Logger { get; }

    /// <summary>Opens the BPF ELF object file at <paramref name="path"/> and loads it, for an object that needs no change before load.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BpfObjectFormatException">The file is not a valid BPF object.</exception>
    /// <exception cref="BpfLoadException">The kernel refused a program or map (see <see cref="BpfObjectSpec.Load"/>).</exception>
    public static BpfObject Load(string path, BpfObjectOptions? options = null)
    {
        using var spec = BpfObjectSpec.Open(path, options);
        return spec.Load();
    }

    /// <summary>Opens a BPF object embedded in <paramref name="assembly"/> (see <see cref="BpfObjectSpec.FromEmbeddedResource"/>) and loads it.</summary>
    /// <exception cref="FileNotFoundException">No such resource; the message lists those that exist.</exception>
    /// <exception cref="PlatformNotSupportedException">The assembly carries the object for other architectures only.</exception>
    /// <exception cref="BpfLoadException">The kernel refused a program or map (see <see cref="BpfObjectSpec.Load"/>).</exception>
    public static BpfObject LoadEmbeddedResource(Assembly assembly, string resourceName, BpfObjectOptions? options = null)
    {
        using var spec = BpfObjectSpec.FromEmbeddedResource(assembly, resourceName, options);
        return spec.Load();
    }

    /// <summary>The program named <paramref name="name"/> (its C function name).</summary>
    /// <exception cref="KeyNotFoundException">No such loaded program; the message lists the object's programs.</exception>
    public BpfProgram Program(string name)
    {
        if (TryGetProgram(name, out var program))
        {
            return program;
        }
        var why = _notLoadedPrograms.Contains(name)
            ? $"BPF object '{Name}' did not load program '{name}' (its AutoLoad was off)."
            : $"BPF object '{Name}' has no program '{name}'.";
        throw new KeyNotFoundException($"{why} Loaded programs: {string.Join(", ", _programs.Select(p => p.Name))}.");
    }

    /// <summary>Finds a loaded program by name.</summary>
    public bool TryGetProgram(string name, [NotNullWhen(true)] out BpfProgram? program)
    {
        ThrowIfDisposed();
        program = Array.Find(_programs, p => p.Name == name);
        return program is not null;
    }

    /// <summary>The map named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such map; the message lists the object's maps.</exception>
    public BpfMap Map(string name)
    {
        if (TryGetMap(name, out var map))
        {
            return map;
        }
        var why = _notCreatedMaps.Contains(name)
            ? $"BPF object '{Name}' did not create map '{name}' (its AutoCreate was off)."
            : $"BPF object '{Name}' has no map '{name}'.";
        throw new KeyNotFoundException($"{why} Maps: {string.Join(", ", _maps.Select(m => m.Name))}.");
    }

    /// <summary>Finds a map by name.</summary>
    public bool TryGetMap(string name, [NotNullWhen(true)] out BpfMap? map)
    {
        ThrowIfDisposed();
        map = Array.Find(_maps, m => m.Name == name);
        return map is not null;
    }

    /// <summary>
    /// Attaches every program that can attach by its section name alone, as a libbpf skeleton's attach does
    /// (<c>tp/...</c>, <c>tp_btf/...</c>, <c>raw_tp/...</c>, <c>uprobe/binary:function</c>, ...), and skips the others: programs
    /// with <see cref="BpfProgramSpec.AutoAttach"/> off, or whose section names no target (<c>SEC("uprobe")</c>,
    /// <c>SEC("usdt")</c>, iterators, custom sections). On a failure, the links made so far are detached and the error thrown.
    /// </summary>
    /// <returns>The links made, in program order; disposing the object detaches them too.</returns>
    public IReadOnlyList<BpfLink> AttachAll()
    {
        ThrowIfDisposed();
        var links = new List<BpfLink>();
        try
        {
            foreach (var program in _programs)
            {
                bool autoAttach;
                using (program.Lease())
                {
                    autoAttach = program.AutoAttach;
                }
                if (autoAttach && program.AttachIfAutoAttachable() is { } link)
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
        BpfLink[] links;
        lock (_links)
        {
            if (_disposing)
            {
                return;
            }
            _disposing = true;
            links = [.. _links];
            _links.Clear();
        }
        BpfLink.DisposeAll(links);
        // A native call in flight holds a reference: libbpf closes the object when the last one returns.
        _handle.Dispose();
        BpfMetrics.ProgramsLoaded(Name, -_programs.Length);
    }

    /// <summary>Records a link made from one of the object's programs; if the object is being disposed, detaches it and throws.</summary>
    internal void Track(BpfLink link)
    {
        lock (_links)
        {
            if (!_disposing)
            {
                _links.Add(link);
                return;
            }
        }
        link.Dispose();
        throw new ObjectDisposedException($"BPF object '{Name}'");
    }

    internal void Untrack(BpfLink link)
    {
        lock (_links)
        {
            _links.Remove(link);
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    internal static string LastLines(string text, int count)
    {
        var lines = text.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }
}
