using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary><c>struct open_how</c> (<c>include/uapi/linux/openat2.h</c>: three 64-bit fields on every architecture), <c>openat2</c>'s argument.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct OpenHow
{
    /// <summary><c>flags</c>: the open(2) flags.</summary>
    public ulong Flags;

    /// <summary><c>mode</c>: the new file's mode (with O_CREAT; 0 otherwise).</summary>
    public ulong Mode;

    /// <summary><c>resolve</c>: the RESOLVE_* flags.</summary>
    public ulong Resolve;
}
