using System.Runtime.InteropServices;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>The system calls the sample's program traces.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getppid")]
    internal static partial int GetParentProcessId();

    [LibraryImport("libc", EntryPoint = "gettid")]
    internal static partial int GetThreadId();
}
