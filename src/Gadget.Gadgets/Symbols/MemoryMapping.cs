using System.Globalization;

namespace Gadget.Gadgets.Symbols;

/// <summary>One line of <c>/proc/PID/maps</c>: an address range, the file offset it maps, the file's device and inode and path.</summary>
/// <param name="Start">The first address.</param>
/// <param name="End">The address after the last.</param>
/// <param name="Executable">The 'x' permission.</param>
/// <param name="Offset">The offset in the file of <paramref name="Start"/>.</param>
/// <param name="Device">The file's device as the kernel prints it, "major:minor" in hex.</param>
/// <param name="Inode">The file's inode; 0 for an anonymous mapping.</param>
/// <param name="Path">The file's path in the process's mount namespace, "[heap]"-like pseudo names, or empty.</param>
internal readonly record struct MemoryMapping(ulong Start, ulong End, bool Executable, ulong Offset, string Device, ulong Inode, string Path)
{
    /// <summary>Whether it maps a file (not anonymous, not "[vdso]"); the file may have been deleted since.</summary>
    public bool IsFile => Inode != 0 && Path.StartsWith('/');

    /// <summary>Whether the mapped file was deleted (its path no longer names it): only /proc/PID/map_files reaches it.</summary>
    public bool IsDeleted => Path.EndsWith(" (deleted)", StringComparison.Ordinal);

    /// <summary>Parses <c>/proc/PID/maps</c> text, in its (ascending address) order; malformed lines are skipped.</summary>
    public static List<MemoryMapping> Parse(TextReader reader)
    {
        var mappings = new List<MemoryMapping>();
        while (reader.ReadLine() is { } line)
        {
            if (TryParse(line, out var mapping))
            {
                mappings.Add(mapping);
            }
        }
        return mappings;
    }

    /// <summary>Parses one line: "START-END PERMS OFFSET DEV INODE [PATH]".</summary>
    public static bool TryParse(string line, out MemoryMapping mapping)
    {
        mapping = default;
        var rest = line.AsSpan();
        Span<Range> fields = stackalloc Range[5];
        var at = 0;
        for (var i = 0; i < 5; i++)
        {
            while (at < rest.Length && rest[at] == ' ')
            {
                at++;
            }
            var end = rest[at..].IndexOf(' ');
            if (end < 0)
            {
                end = rest.Length - at;
                if (i < 4)
                {
                    return false;
                }
            }
            fields[i] = new Range(at, at + end);
            at += end;
        }
        var range = rest[fields[0]];
        var dash = range.IndexOf('-');
        var hex = NumberStyles.AllowHexSpecifier;
        var c = CultureInfo.InvariantCulture;
        if (dash <= 0
            || !ulong.TryParse(range[..dash], hex, c, out var start)
            || !ulong.TryParse(range[(dash + 1)..], hex, c, out var stop)
            || !ulong.TryParse(rest[fields[2]], hex, c, out var offset)
            || !ulong.TryParse(rest[fields[4]], NumberStyles.None, c, out var inode))
        {
            return false;
        }
        var perms = rest[fields[1]];
        var path = at < rest.Length ? rest[at..].Trim().ToString() : string.Empty;
        mapping = new MemoryMapping(start, stop, perms.Length >= 3 && perms[2] == 'x', offset, rest[fields[3]].ToString(), inode, path);
        return true;
    }
}
