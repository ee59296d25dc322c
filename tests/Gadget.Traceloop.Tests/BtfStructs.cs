using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Gadget.Traceloop.Tests;

/// <summary>The structs of a BPF object's BTF as bpftool dumps them: name -> (size, field -> byte offset).</summary>
internal static partial class BtfStructs
{
    internal static Dictionary<string, (int Size, Dictionary<string, int> Fields)> Read(string objectPath)
    {
        var start = new ProcessStartInfo("bpftool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["btf", "dump", "file", objectPath])
        {
            start.ArgumentList.Add(argument);
        }
        using var bpftool = Process.Start(start)!;
        var text = bpftool.StandardOutput.ReadToEnd();
        bpftool.WaitForExit();
        Assert.True(bpftool.ExitCode == 0, "bpftool btf dump failed: " + bpftool.StandardError.ReadToEnd());
        var structs = new Dictionary<string, (int, Dictionary<string, int>)>();
        Dictionary<string, int>? fields = null;
        foreach (var line in text.Split('\n'))
        {
            if (StructLine().Match(line) is { Success: true } s)
            {
                fields = [];
                structs[s.Groups[1].Value] = (int.Parse(s.Groups[2].Value), fields);
            }
            else if (fields is not null && FieldLine().Match(line) is { Success: true } f)
            {
                fields[f.Groups[1].Value] = int.Parse(f.Groups[2].Value) / 8;
            }
            else
            {
                fields = null;
            }
        }
        return structs;
    }

    /// <summary>
    /// Writes the embedded BPF object <paramref name="resource"/> of <paramref name="assembly"/> to a temporary file: the
    /// build for the process's architecture (resource x86_64/NAME or arm64/NAME), as Gadget.Bpf picks it.
    /// </summary>
    internal static string Extract(System.Reflection.Assembly assembly, string resource)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gadget-btf-{Guid.NewGuid():N}.o");
        var architecture = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64/" : "x86_64/";
        using var stream = assembly.GetManifestResourceStream(architecture + resource) ?? throw new InvalidOperationException($"no resource {architecture}{resource}");
        using var file = File.Create(path);
        stream.CopyTo(file);
        return path;
    }

    [GeneratedRegex(@"^\[\d+\] STRUCT '(\w+)' size=(\d+) vlen=\d+$")]
    private static partial Regex StructLine();

    [GeneratedRegex(@"^\t'(\w+)' type_id=\d+ bits_offset=(\d+)$")]
    private static partial Regex FieldLine();
}
