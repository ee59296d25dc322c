using System.Diagnostics;

namespace Gadget.Containers.Tests;

/// <summary>Independent reads of what the kernel says (via coreutils' stat), to check the library's answers against.</summary>
internal static class Kernel
{
    internal static ulong Inode(string path, bool followLinks = false)
    {
        var info = new ProcessStartInfo("stat", (followLinks ? "-L " : string.Empty) + $"-c %i {path}") { RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return ulong.Parse(text);
    }

    /// <summary>This process's open file descriptors as "fd -> target", but for the assemblies the runtime loaded.</summary>
    internal static HashSet<string> Fds()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Without the assemblies: the runtime opens one when it first loads it (a test running beside this one may make it
        // load System.Net.Quic.dll, say) and keeps it open for good; that is no descriptor the code under test leaked.
        return [.. Directory.GetFileSystemEntries("/proc/self/fd").Select(f => $"{Path.GetFileName(f)} -> {new FileInfo(f).LinkTarget}")
            .Where(f => !f.EndsWith(".dll", StringComparison.Ordinal))];
    }
}
