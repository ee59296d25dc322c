using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>
/// An object's BTF as bpftool sees it (<c>bpftool btf dump file X format raw</c>): the reference the generator's reader and
/// its layouts are compared with (bpftool parses BTF with libbpf: an implementation independent of the generator's).
/// </summary>
internal sealed partial class BpftoolBtf
{
    private BpftoolBtf(Dictionary<int, BpftoolType> types) => Types = types;

    public Dictionary<int, BpftoolType> Types { get; }

    public static BpftoolBtf Dump(string objectPath)
    {
        var start = new ProcessStartInfo("bpftool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["btf", "dump", "file", objectPath, "format", "raw"])
        {
            start.ArgumentList.Add(argument);
        }
        using var bpftool = Process.Start(start)!;
        var text = bpftool.StandardOutput.ReadToEnd();
        var error = bpftool.StandardError.ReadToEnd();
        bpftool.WaitForExit();
        Assert.True(bpftool.ExitCode == 0, "bpftool btf dump failed: " + error);
        var types = new Dictionary<int, BpftoolType>();
        BpftoolType? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (TypeLine().Match(line) is { Success: true } t)
            {
                var size = SizeField().Match(line);
                var target = TypeField().Match(line);
                var elements = ElementsField().Match(line);
                current = new BpftoolType(
                    int.Parse(t.Groups[1].Value), t.Groups[2].Value, t.Groups[3].Value == "(anon)" ? string.Empty : t.Groups[3].Value,
                    size.Success ? int.Parse(size.Groups[1].Value) : -1,
                    target.Success ? int.Parse(target.Groups[1].Value) : -1,
                    elements.Success ? int.Parse(elements.Groups[1].Value) : -1);
                types[current.Id] = current;
            }
            else if (current is not null && MemberLine().Match(line) is { Success: true } m)
            {
                current.Members.Add(new BpftoolMember(
                    m.Groups[1].Value == "(anon)" ? string.Empty : m.Groups[1].Value, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value),
                    m.Groups[4].Success ? int.Parse(m.Groups[4].Value) : 0));
            }
        }
        return new BpftoolBtf(types);
    }

    /// <summary>The type behind typedefs and qualifiers.</summary>
    public BpftoolType Resolve(int id)
    {
        var type = Types[id];
        while (type.Kind is "TYPEDEF" or "CONST" or "VOLATILE" or "RESTRICT" or "TYPE_TAG")
        {
            type = Types[type.Target];
        }
        return type;
    }

    [GeneratedRegex(@"^\[(\d+)\] (\w+) '([^']*)'")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@" size=(\d+)")]
    private static partial Regex SizeField();

    [GeneratedRegex(@" type_id=(\d+)")]
    private static partial Regex TypeField();

    [GeneratedRegex(@" nr_elems=(\d+)")]
    private static partial Regex ElementsField();

    [GeneratedRegex(@"^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?")]
    private static partial Regex MemberLine();
}
