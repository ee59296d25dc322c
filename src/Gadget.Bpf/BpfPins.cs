namespace Gadget.Bpf;

/// <summary>Helpers for pin paths on bpffs.</summary>
internal static class BpfPins
{
    /// <summary>
    /// Checks that <paramref name="path"/> lies on bpffs (mounting <c>/sys/fs/bpf</c> when needed) and creates its directory.
    /// Nothing is created when the path is not on bpffs.
    /// </summary>
    internal static void PrepareParent(string path)
    {
        var full = Path.GetFullPath(path);
        if (full.StartsWith(BpfEnvironment.BpffsPath + "/", StringComparison.Ordinal))
        {
            BpfEnvironment.EnsureBpffs();
        }
        var directory = Path.GetDirectoryName(full) ?? "/";
        var existing = directory;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        if (!BpfEnvironment.IsOnBpffs(existing))
        {
            throw new ArgumentException($"Cannot pin at '{path}': '{directory}' is not on a BPF file system (bpffs). Pin under {BpfEnvironment.BpffsPath}, or mount one: 'mount -t bpf bpf {directory}'.", nameof(path));
        }
        Directory.CreateDirectory(directory);
    }

    /// <summary>
    /// Why opening the pin at <paramref name="path"/> (<c>BPF_OBJ_GET</c>) failed. The kernel answers EACCES for whatever is
    /// not a pin, also for a directory and for a file outside bpffs: those are argument errors, not missing permissions.
    /// </summary>
    /// <param name="errno">The errno of the failed call.</param>
    /// <param name="operation">What was being done, e.g. <c>open pinned map</c>.</param>
    /// <param name="path">The path given.</param>
    internal static Exception OpenFailure(int errno, string operation, string path)
    {
        if (Directory.Exists(path))
        {
            return new ArgumentException(
                $"'{path}' is not a pin: it is a directory. A pin is a file on a BPF file system (bpffs), e.g. {BpfEnvironment.BpffsPath}/NAME.", nameof(path));
        }
        if (File.Exists(path) && !BpfEnvironment.IsOnBpffs(path))
        {
            return new ArgumentException($"'{path}' is not a pin: it is a file outside any BPF file system (bpffs), where pins live (e.g. /sys/fs/bpf).", nameof(path));
        }
        return Errno.ToException(errno, operation, path);
    }

    /// <summary>
    /// What a BPF descriptor refers to, from <c>/proc/self/fdinfo</c>: <c>map</c>, <c>program</c> or <c>link</c>; another
    /// kind of file gives <c>null</c>, and so does a process without procfs (<paramref name="readable"/> is then false).
    /// </summary>
    internal static string? KindOf(int fd, out bool readable)
    {
        readable = true;
        try
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
            {
                if (line.StartsWith("map_type:", StringComparison.Ordinal))
                {
                    return "map";
                }
                if (line.StartsWith("prog_type:", StringComparison.Ordinal))
                {
                    return "program";
                }
                if (line.StartsWith("link_type:", StringComparison.Ordinal))
                {
                    return "link";
                }
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            readable = false;
            return null;
        }
    }
}
