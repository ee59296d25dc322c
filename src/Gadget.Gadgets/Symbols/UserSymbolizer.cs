using System.Globalization;

namespace Gadget.Gadgets.Symbols;

/// <summary>
/// Names user-space addresses of live processes: the mapping holding the address (<c>/proc/PID/maps</c>), then the
/// mapped ELF file's function symbols (the very file mapped, through <c>/proc/PID/map_files</c>; cached per device and
/// inode), then the process's JIT perf map (<c>/tmp/perf-NSPID.map</c> in its own root, owned by its user or root), else <c>[module+0xOFFSET]</c> or <c>[unknown]</c>. A process that exited before this runs has no maps: its frames
/// are all <c>[unknown]</c>. One instance per profile: a process's maps and perf map are read once, when first needed.
/// </summary>
internal sealed class UserSymbolizer
{
    /// <summary>The frame of an address nothing names.</summary>
    public const string Unknown = "[unknown]";

    private readonly string _proc;
    private readonly Dictionary<int, ProcessView> _processes = [];
    private readonly Dictionary<(string Device, ulong Inode), ElfSymbols?> _files = [];

    /// <param name="proc">Where procfs is mounted (tests may point elsewhere).</param>
    public UserSymbolizer(string proc = "/proc") => _proc = proc;

    /// <summary>ELF files read (cache misses); a test checks that a library shared by processes is read once.</summary>
    public int FilesRead { get; private set; }

    /// <summary>The name of the function at <paramref name="address"/> in process <paramref name="pid"/>.</summary>
    public string Resolve(int pid, ulong address)
    {
        var process = View(pid);
        var mapping = process.Find(address);
        if (mapping is { } m && m.IsFile && Elf(pid, m) is { } elf
            && elf.FindByFileOffset(address - m.Start + m.Offset) is { } symbol)
        {
            return symbol;
        }
        if (process.PerfMap.Value?.Find(address) is { } jitted)
        {
            return jitted;
        }
        if (mapping is { } file && file.Path.Length > 0)
        {
            var module = file.Path.StartsWith('/') ? Path.GetFileName(file.Path.Replace(" (deleted)", string.Empty, StringComparison.Ordinal)) : file.Path;
            return $"[{module}+0x{address - file.Start + file.Offset:x}]";
        }
        return Unknown;
    }

    private ElfSymbols? Elf(int pid, MemoryMapping mapping)
    {
        var key = (mapping.Device, mapping.Inode);
        if (!_files.TryGetValue(key, out var elf))
        {
            FilesRead++;
            using var file = ProcessFiles.OpenMapped(_proc, pid, mapping);
            elf = file is null ? null : ElfSymbols.Load(file);
            _files[key] = elf;
        }
        return elf;
    }

    private ProcessView View(int pid)
    {
        if (!_processes.TryGetValue(pid, out var view))
        {
            view = new ProcessView(ReadMaps(pid), new Lazy<PerfMap?>(() => ReadPerfMap(pid)));
            _processes[pid] = view;
        }
        return view;
    }

    private MemoryMapping[] ReadMaps(int pid)
    {
        try
        {
            using var reader = new StreamReader($"{_proc}/{pid}/maps");
            return [.. MemoryMapping.Parse(reader)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private PerfMap? ReadPerfMap(int pid)
    {
        // In its own pid namespace the process names its map with the pid it knows itself by (NSpid's last). Only a
        // map the process's own user (or root) owns is read: in a shared /tmp any user could have created the file first.
        var (inner, owners) = ReadStatus(pid);
        using var file = ProcessFiles.OpenInRoot($"{_proc}/{pid}/root", $"/tmp/perf-{inner ?? pid}.map", owners)
            ?? (inner is null || inner == pid ? null : ProcessFiles.OpenInRoot("/", $"/tmp/perf-{pid}.map", owners));
        return file is null ? null : PerfMap.Load(file);
    }

    private (int? NamespacePid, uint[] Uids) ReadStatus(int pid)
    {
        int? inner = null;
        uint[] uids = [];
        try
        {
            foreach (var line in File.ReadLines($"{_proc}/{pid}/status"))
            {
                if (line.StartsWith("NSpid:", StringComparison.Ordinal))
                {
                    var last = line.AsSpan(6).Trim();
                    var space = last.LastIndexOfAny(' ', '\t');
                    inner = int.TryParse(last[(space + 1)..], out var value) ? value : null;
                }
                else if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    uids = ParseIds(line.AsSpan(4));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return (inner, uids);
    }

    // "Uid:\tREAL\tEFFECTIVE\tSAVED\tFILESYSTEM"
    private static uint[] ParseIds(ReadOnlySpan<char> text)
    {
        var ids = new List<uint>(4);
        foreach (var range in text.Split('\t'))
        {
            if (uint.TryParse(text[range].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }
        return [.. ids];
    }

    private sealed record ProcessView(MemoryMapping[] Mappings, Lazy<PerfMap?> PerfMap)
    {
        public MemoryMapping? Find(ulong address)
        {
            int low = 0, high = Mappings.Length - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var m = Mappings[middle];
                if (address < m.Start)
                {
                    high = middle - 1;
                }
                else if (address >= m.End)
                {
                    low = middle + 1;
                }
                else
                {
                    return m;
                }
            }
            return null;
        }
    }
}
