using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Gadget.Gadgets.Symbols;

/// <summary>
/// A JIT's perf map, <c>/tmp/perf-PID.map</c>: one "START SIZE NAME" line (hex start and size) per generated code
/// range (the start with or without "0x"), as .NET writes it with <c>DOTNET_PerfMapEnabled=1</c> (and node, the JVM's perf-map-agent...).
/// </summary>
internal sealed class PerfMap
{
    private readonly SymbolTable _table;

    private PerfMap(SymbolTable table) => _table = table;

    /// <summary>
    /// The largest perf map read (64 MiB: a .NET process that compiled a million methods writes about 100 MiB, a usual
    /// one a few MiB); a larger file, like one still growing past it, is read up to here.
    /// </summary>
    public const int MaxFileSize = 64 << 20;

    /// <summary>The code ranges read.</summary>
    public int Count => _table.Count;

    /// <summary>Reads a perf map file; null when there is none.</summary>
    public static PerfMap? Load(string path)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return Parse(reader);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    /// <summary>Reads an open perf map, at most <see cref="MaxFileSize"/> bytes of it; null when it cannot be read.</summary>
    public static PerfMap? Load(SafeFileHandle handle)
    {
        try
        {
            var buffer = new byte[(int)Math.Min(RandomAccess.GetLength(handle), MaxFileSize)];
            var length = 0;
            while (length < buffer.Length && RandomAccess.Read(handle, buffer.AsSpan(length), length) is > 0 and var read)
            {
                length += read;
            }
            using var reader = new StreamReader(new MemoryStream(buffer, 0, length, writable: false));
            return Parse(reader);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Parses perf map text; lines that are not "START SIZE NAME" are skipped (a line being written, say).</summary>
    public static PerfMap Parse(TextReader reader)
    {
        var symbols = new List<(ulong, ulong, string)>();
        while (reader.ReadLine() is { } line)
        {
            var span = line.AsSpan();
            var first = span.IndexOf(' ');
            if (first <= 0)
            {
                continue;
            }
            var rest = span[(first + 1)..];
            var second = rest.IndexOf(' ');
            if (second <= 0 || second == rest.Length - 1)
            {
                continue;
            }
            if (!TryParseHex(span[..first], out var start) || !TryParseHex(rest[..second], out var size)
                || size == 0)
            {
                continue;
            }
            symbols.Add((start, size, rest[(second + 1)..].Trim().ToString()));
        }
        return new PerfMap(new SymbolTable(symbols));
    }

    // .NET writes "0x7ff180de9110 d6 name" (with the prefix), perf's own format has none: both are read.
    private static bool TryParseHex(ReadOnlySpan<char> text, out ulong value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }
        return ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The code range's name holding <paramref name="address"/>, or null.</summary>
    public string? Find(ulong address) => _table.Find(address);
}
