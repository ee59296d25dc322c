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
}
