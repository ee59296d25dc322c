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

    internal static int FdCount() => Directory.GetFileSystemEntries("/proc/self/fd").Length;
}
