using Gadget.Containers.Interop;

namespace Gadget.Containers;

/// <summary>Reads what <c>/proc</c> and cgroupfs say about a process: its cgroup2 path and id, its namespaces.</summary>
public static class ProcessInspector
{
    private const string DeletedSuffix = " (deleted)";
    private static readonly Lazy<string> Cgroup2Root = new(FindCgroup2Root);
    private static readonly Lazy<string?> NamespaceRoot = new(FindCgroupNamespaceRoot);

    /// <summary>Where the cgroup2 hierarchy is mounted: <c>/sys/fs/cgroup</c> on v2 machines, <c>/sys/fs/cgroup/unified</c> on hybrid ones.</summary>
    public static string Cgroup2MountPoint => Cgroup2Root.Value;

    /// <summary>
    /// The process's cgroup2 path relative to the cgroup2 root (the <c>0::</c> line of <c>/proc/&lt;pid&gt;/cgroup</c>), or
    /// null if the process is gone. For a zombie whose cgroup was removed, the path that cgroup had (without the kernel's
    /// " (deleted)"); a live cgroup whose name ends with " (deleted)" keeps its name.
    /// </summary>
    public static string? GetCgroup2Path(int pid)
    {
        foreach (var line in ReadLines($"/proc/{pid}/cgroup"))
        {
            if (line.StartsWith("0::", StringComparison.Ordinal))
            {
                // In a cgroup namespace of its own, this process reads paths relative to that namespace's root.
                var path = NamespaceRoot.Value is { } root ? CombineCgroupPaths(root, line[3..]) : line[3..];
                // The kernel appends " (deleted)" to the path of a cgroup that was removed (rmdir) while the process still
                // belonged to it: a zombie (exited, not reaped) whose cgroup is gone. A live cgroup may be named so too:
                // the suffix is dropped only when no such directory exists, so a real name is never altered.
                return path.EndsWith(DeletedSuffix, StringComparison.Ordinal) && !Directory.Exists(AbsoluteCgroup2Path(path))
                    ? path[..^DeletedSuffix.Length]
                    : path;
            }
        }
        return null;
    }

    /// <summary>The process's cgroup v1 paths by controller list (e.g. <c>memory</c>, <c>cpu,cpuacct</c>), empty on pure cgroup2 machines.</summary>
    public static IReadOnlyDictionary<string, string> GetCgroup1Paths(int pid)
    {
        var result = new Dictionary<string, string>();
        foreach (var line in ReadLines($"/proc/{pid}/cgroup"))
        {
            var first = line.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0 || line.StartsWith("0::", StringComparison.Ordinal))
            {
                continue;
            }
            result[line[(first + 1)..second]] = line[(second + 1)..];
        }
        return result;
    }

    /// <summary>The cgroup2 id (the inode of the cgroup2 directory) of a path relative to the cgroup2 root, or 0 if it does not exist.</summary>
    public static ulong GetCgroupId(string cgroup2Path) =>
        Libc.Statx(AbsoluteCgroup2Path(cgroup2Path), 0, Libc.STATX_INO, out var status) == 0 ? status.Inode : 0;

    /// <summary>The absolute directory of a cgroup2 path relative to the cgroup2 root.</summary>
    public static string AbsoluteCgroup2Path(string cgroup2Path) =>
        cgroup2Path is "/" or "" ? Cgroup2MountPoint : Cgroup2MountPoint + (cgroup2Path.StartsWith('/') ? cgroup2Path : "/" + cgroup2Path);

    /// <summary>The inode of one of the process's namespaces (<paramref name="kind"/>: mnt, pid, uts, net, ipc, cgroup, user), or 0 if the process is gone.</summary>
    public static ulong GetNamespaceId(int pid, string kind)
    {
        try
        {
            var target = new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget; // "mnt:[4026531841]"
            if (target is null)
            {
                return 0;
            }
            var open = target.IndexOf('[', StringComparison.Ordinal);
            return open > 0 && ulong.TryParse(target.AsSpan(open + 1, target.Length - open - 2), out var id) ? id : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Whether a process with this pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The parent pid of a process (field 4 of <c>/proc/&lt;pid&gt;/stat</c>), or 0 if the process is gone.</summary>
    internal static int GetParentPid(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            // ") S 1234 ...": state, then ppid.
            var fields = close < 0 ? [] : stat[(close + 2)..].Split(' ', 3);
            return fields.Length > 1 && int.TryParse(fields[1], out var parent) ? parent : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    internal static List<string> ReadLines(string path)
    {
        try
        {
            return [.. File.ReadAllLines(path)];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Resolves <paramref name="path"/> (which may climb with <c>..</c>) against <paramref name="root"/>; both start with '/'.</summary>
    internal static string CombineCgroupPaths(string root, string path)
    {
        var segments = new List<string>(root.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment != ".")
            {
                segments.Add(segment);
            }
        }
        return "/" + string.Join('/', segments);
    }

    /// <summary>
    /// Where this process's cgroup namespace root lies in the cgroup2 hierarchy mounted at <see cref="Cgroup2MountPoint"/>
    /// (e.g. <c>/kubepods/burstable/pod&lt;uid&gt;/&lt;id&gt;</c>), or null when <c>/proc/PID/cgroup</c> paths need no translation.
    /// </summary>
    /// <remarks>
    /// A container with a private cgroup namespace (what containerd gives every container on cgroup v2 nodes, privileged ones
    /// too) that mounts the host's hierarchy (a DaemonSet's hostPath <c>/sys/fs/cgroup</c>) sees that mount's root as
    /// <c>/..</c> (one <c>..</c> per level above its namespace root) in mountinfo, and every other process's cgroup as
    /// <c>/../../other</c>. The namespace root is the directory that many levels down whose <c>cgroup.procs</c> lists this process.
    /// </remarks>
    private static string? FindCgroupNamespaceRoot()
    {
        string? mountRoot = null;
        foreach (var line in ReadLines("/proc/self/mountinfo"))
        {
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            var fields = dash < 0 ? [] : line[..dash].Split(' ');
            if (fields.Length > 4 && line.AsSpan(dash + 3).StartsWith("cgroup2 ", StringComparison.Ordinal)
                && fields[4].Replace("\\040", " ", StringComparison.Ordinal) == Cgroup2MountPoint)
            {
                mountRoot = fields[3];
            }
        }
        var levels = mountRoot?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (levels.Length == 0 || levels.Any(l => l != ".."))
        {
            return null;
        }
        var self = ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..] ?? "/";
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var candidate in DirectoriesAtDepth(Cgroup2MountPoint, levels.Length))
        {
            var root = "/" + Path.GetRelativePath(Cgroup2MountPoint, candidate);
            var procs = Cgroup2MountPoint + CombineCgroupPaths(root, self) + "/cgroup.procs";
            if (ReadLines(procs).Contains(pid))
            {
                return root;
            }
        }
        return null;
    }

    private static IEnumerable<string> DirectoriesAtDepth(string directory, int depth)
    {
        if (depth == 0)
        {
            return [directory];
        }
        string[] children;
        try
        {
            children = Directory.GetDirectories(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return children.SelectMany(child => DirectoriesAtDepth(child, depth - 1));
    }

    private static string FindCgroup2Root()
    {
        // mountinfo: id parent major:minor root mountpoint options ... - fstype source superoptions
        foreach (var line in ReadLines("/proc/self/mountinfo"))
        {
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0 || !line.AsSpan(dash + 3).StartsWith("cgroup2 ", StringComparison.Ordinal))
            {
                continue;
            }
            var fields = line[..dash].Split(' ');
            if (fields.Length > 4)
            {
                return fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            }
        }
        return Directory.Exists("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
    }
}
