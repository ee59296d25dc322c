using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Direct libc calls, so tests know exactly which syscalls and functions run.</summary>
internal static partial class NativeCalls
{
    [LibraryImport("libc", EntryPoint = "getpid")]
    internal static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "getppid")]
    internal static partial int GetParentPid();

    /// <summary>The path of the libc this process has mapped (for uprobes).</summary>
    internal static string LibcPath()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.Contains("libc.so.6", StringComparison.Ordinal))
            {
                return line[slash..].Trim();
            }
        }
        throw new InvalidOperationException("libc.so.6 is not mapped into this process");
    }
}
