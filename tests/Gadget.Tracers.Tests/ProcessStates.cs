namespace Gadget.Tracers.Tests;

/// <summary>Reads process states from /proc/PID/stat.</summary>
internal static class ProcessStates
{
    /// <summary>The state letter of <paramref name="pid"/> (R, S, D, T, t, Z, ...), or null when it is gone.</summary>
    internal static char? Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'.
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The processes of <paramref name="pids"/>, and every process in their cgroups, that are stopped (T) now.</summary>
    internal static List<string> Stopped(IEnumerable<int> pids)
    {
        var stopped = new List<string>();
        foreach (var pid in pids.Where(p => p > 0))
        {
            foreach (var member in CgroupMembers(pid).Append(pid).Distinct())
            {
                if (Of(member) is 'T' or 't')
                {
                    stopped.Add($"{member} ({Command(member)})");
                }
            }
        }
        return stopped;
    }

    /// <summary>The pids in the cgroup2 directory of <paramref name="pid"/>.</summary>
    internal static IEnumerable<int> CgroupMembers(int pid)
    {
        string? path;
        try
        {
            path = File.ReadAllLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
        }
        catch (IOException)
        {
            yield break;
        }
        if (path is null)
        {
            yield break;
        }
        var root = Directory.Exists("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Join(root, path, "cgroup.procs"));
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var line in lines)
        {
            if (int.TryParse(line, out var member))
            {
                yield return member;
            }
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
