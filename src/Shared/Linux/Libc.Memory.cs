using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>Memory maps (BPF ring buffers and perf rings are mapped into the process).</summary>
internal static partial class Libc
{
    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;

    /// <summary>What <c>mmap</c> returns on failure (<c>MAP_FAILED</c>, <c>(void*)-1</c>).</summary>
    internal static readonly nint MapFailed = -1;

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int munmap(nint address, nuint length);
}
