using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>What the dynamic loader knows of an address, and formatting a libbpf log line.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport(Library, EntryPoint = "dladdr")]
    internal static partial int dladdr(void* address, DlInfo* info);

    /// <summary>
    /// <c>vsnprintf</c> with the <c>va_list</c> a native callback received, passed on as it came: on x86-64 it is an array
    /// (decays to a pointer), on arm64 a 32-byte structure passed by reference (AAPCS64: composites over 16 bytes); both
    /// arrive, and leave, as one pointer.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "vsnprintf")]
    internal static partial int vsnprintf(byte* buffer, nuint size, byte* format, nint arguments);
}
