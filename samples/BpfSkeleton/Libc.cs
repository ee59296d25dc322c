using System.Runtime.InteropServices;

namespace BpfSkeleton;

/// <summary>The system call the sample's BPF program traces.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getppid")]
    internal static partial int GetParentProcessId();
}
