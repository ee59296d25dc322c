using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>Directory listing without a <c>stat</c> per entry (.NET's enumeration stats every symbolic link it lists).</summary>
internal static unsafe partial class Libc
{
    /// <summary><c>offsetof(struct dirent64, d_name)</c>: the same on x86-64 and arm64 (glibc's 64-bit dirent).</summary>
    internal const int DIRENT64_NAME_OFFSET = 19;

    [LibraryImport(Library, EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial nint opendir(string path);

    /// <summary>The next entry (a <c>struct dirent64</c> owned by the stream), or null at the end or on error.</summary>
    [LibraryImport(Library, EntryPoint = "readdir64", SetLastError = true)]
    internal static partial byte* readdir64(nint directory);

    [LibraryImport(Library, EntryPoint = "closedir", SetLastError = true)]
    internal static partial int closedir(nint directory);
}
