using System.Diagnostics;
using System.Text.Json;

namespace Gadget.Agent.Tests;

/// <summary>BPF program, link and map ids: those a process holds (its <c>/proc/PID/fdinfo</c>), and those the kernel still has (bpftool).</summary>
internal sealed record BpfObjectIds(IReadOnlySet<uint> Programs, IReadOnlySet<uint> Links, IReadOnlySet<uint> Maps)
{
    /// <summary>The ids behind the file descriptors of process <paramref name="pid"/> (read from the host's /proc).</summary>
    public static BpfObjectIds HeldBy(int pid)
    {
        var programs = new HashSet<uint>();
        var links = new HashSet<uint>();
        var maps = new HashSet<uint>();
        foreach (var file in Directory.GetFiles($"/proc/{pid}/fdinfo"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            foreach (var line in lines)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0 || !uint.TryParse(line.AsSpan(colon + 1).Trim(), out var id))
                {
                    continue;
                }
                switch (line[..colon])
                {
                    case "prog_id":
                        programs.Add(id);
                        break;
                    case "link_id":
                        links.Add(id);
                        break;
                    case "map_id":
                        maps.Add(id);
                        break;
                }
            }
        }
        return new BpfObjectIds(programs, links, maps);
    }

    /// <summary>Every BPF program, link and map the kernel has now, by <c>bpftool -j prog|link|map show</c>.</summary>
    public static BpfObjectIds InKernel() => new(Show("prog"), Show("link"), Show("map"));

    /// <summary>The ids of this set the other one also has.</summary>
    public BpfObjectIds Intersect(BpfObjectIds other) =>
        new(Programs.Intersect(other.Programs).ToHashSet(), Links.Intersect(other.Links).ToHashSet(), Maps.Intersect(other.Maps).ToHashSet());

    /// <summary>Whether the set is empty.</summary>
    public bool IsEmpty => Programs.Count == 0 && Links.Count == 0 && Maps.Count == 0;

    /// <inheritdoc/>
    public override string ToString() =>
        $"programs [{string.Join(", ", Programs.Order())}], links [{string.Join(", ", Links.Order())}], maps [{string.Join(", ", Maps.Order())}]";

    private static HashSet<uint> Show(string kind)
    {
        var info = new ProcessStartInfo("bpftool", ["-j", kind, "show"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bpftool -j {kind} show failed ({process.ExitCode}): {error.Result}");
        }
        using var document = JsonDocument.Parse(output.Result is { Length: > 0 } text ? text : "[]");
        return document.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetUInt32()).ToHashSet();
    }
}
