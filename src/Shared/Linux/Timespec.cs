using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary><c>struct timespec</c> (64-bit <c>time_t</c> and <c>long</c> on x86-64 and arm64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    /// <summary><c>tv_sec</c>.</summary>
    public long Seconds;

    /// <summary><c>tv_nsec</c>.</summary>
    public long Nanoseconds;
}
