using System.Globalization;

namespace Gadget.Bpf.Tests;

/// <summary>The CPUs that are online (<c>/sys/devices/system/cpu/online</c>, e.g. <c>0-3,6</c>): those a program can be test-run on.</summary>
internal static class OnlineCpus
{
    internal static IReadOnlyList<int> List()
    {
        var cpus = new List<int>();
        foreach (var part in File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(','))
        {
            var range = part.Split('-');
            var first = int.Parse(range[0], CultureInfo.InvariantCulture);
            var last = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : first;
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }
}
