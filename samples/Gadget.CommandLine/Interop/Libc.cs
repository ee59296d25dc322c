using System.Runtime.InteropServices;

namespace Gadget.CommandLine.Interop;

/// <summary>The libc calls the command line needs: poll(2) on standard output, geteuid(2).</summary>
internal static partial class Libc
{
    /// <summary>POLLERR: the other end of a pipe is closed (reported even when not asked for).</summary>
    internal const short PollError = 0x008;

    /// <summary>POLLHUP: the terminal hung up.</summary>
    internal const short PollHangUp = 0x010;

    /// <summary>POLLNVAL: the descriptor is not open.</summary>
    internal const short PollInvalid = 0x020;

    /// <summary>EINTR.</summary>
    internal const int Interrupted = 4;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(ref PollDescriptor descriptor, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();
}
