using System.Globalization;

namespace Gadget.Gadgets;

/// <summary>The online CPUs, from <c>/sys/devices/system/cpu/online</c> (a list of ranges: "0-3,6,8-9").</summary>
internal static class OnlineCpus
{
    /// <summary>The online CPUs now, ascending.</summary>
    public static IReadOnlyList<int> Read() => Parse(File.ReadAllText("/sys/devices/system/cpu/online"));

    /// <summary>Parses a CPU list.</summary>
    /// <exception cref="FormatException">Not a CPU list.</exception>
    public static IReadOnlyList<int> Parse(string list)
    {
        var cpus = new List<int>();
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = int.Parse(dash < 0 ? part : part[..dash], NumberStyles.None, CultureInfo.InvariantCulture);
            var last = dash < 0 ? first : int.Parse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
            if (last < first)
            {
                throw new FormatException($"'{part}' is not a CPU range.");
            }
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }
}
