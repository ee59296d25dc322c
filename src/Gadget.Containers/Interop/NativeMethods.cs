using System.Runtime.InteropServices;

namespace Gadget.Containers.Interop;

/// <summary>The few libc and libbpf calls Gadget.Containers needs directly.</summary>
internal static unsafe partial class NativeMethods
{
    private const string LibC = "libc";
    private const string LibBpf = "libbpf.so.1";
    internal const int AtFdCwd = -100;
    internal const uint StatxIno = 0x100;
    internal const int SigCont = 18;
    internal const int ClockBoottime = 7;

    [LibraryImport(LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(LibC, EntryPoint = "kill", SetLastError = true)]
    internal static partial int kill(int pid, int signal);

    [LibraryImport(LibC, EntryPoint = "clock_gettime")]
    internal static partial int clock_gettime(int clock, long* timespec);

    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__new", SetLastError = true)]
    internal static partial nint ring_buffer__new(int mapFd, delegate* unmanaged<void*, void*, nuint, int> sampleCallback, void* context, void* options);

    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__poll")]
    internal static partial int ring_buffer__poll(nint ringBuffer, int timeoutMs);

    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__consume")]
    internal static partial int ring_buffer__consume(nint ringBuffer);

    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__free")]
    internal static partial void ring_buffer__free(nint ringBuffer);

    /// <summary>The inode number of <paramref name="path"/>, or 0 if it does not exist.</summary>
    internal static ulong InodeOf(string path)
    {
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, 0, StatxIno, buffer) != 0)
        {
            return 0;
        }
        return *(ulong*)(buffer + 32); // struct statx: mask, blksize, attributes, nlink, uid, gid, mode, spare, ino
    }

    /// <summary>CLOCK_BOOTTIME in nanoseconds: the clock of bpf_ktime_get_boot_ns().</summary>
    internal static ulong BootTimeNanoseconds()
    {
        var ts = stackalloc long[2];
        clock_gettime(ClockBoottime, ts);
        return (ulong)(ts[0] * 1_000_000_000L + ts[1]);
    }
}
