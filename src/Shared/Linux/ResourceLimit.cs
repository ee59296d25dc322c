using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary><c>struct rlimit</c> (two <c>rlim_t</c>, 64-bit on x86-64 and arm64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ResourceLimit
{
    /// <summary><c>rlim_cur</c>: the soft limit.</summary>
    public ulong Current;

    /// <summary><c>rlim_max</c>: the hard limit.</summary>
    public ulong Maximum;
}
