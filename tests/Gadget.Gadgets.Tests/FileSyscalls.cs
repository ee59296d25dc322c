using System.Runtime.InteropServices;

namespace Gadget.Gadgets.Tests;

/// <summary>read(2), write(2), readv(2) and writev(2) themselves, for tests that count the calls the kernel saw.</summary>
internal static unsafe partial class FileSyscalls
{
    public static long Read(SafeHandle handle, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            return Check(read(Fd(handle), b, (nuint)buffer.Length));
        }
    }

    public static long Write(SafeHandle handle, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            return Check(write(Fd(handle), b, (nuint)buffer.Length));
        }
    }

    /// <summary>readv with two buffers.</summary>
    public static long ReadV(SafeHandle handle, Span<byte> first, Span<byte> second)
    {
        fixed (byte* a = first)
        fixed (byte* b = second)
        {
            var iov = stackalloc IoVec[2] { new IoVec(a, first.Length), new IoVec(b, second.Length) };
            return Check(readv(Fd(handle), iov, 2));
        }
    }

    /// <summary>writev with two buffers.</summary>
    public static long WriteV(SafeHandle handle, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        fixed (byte* a = first)
        fixed (byte* b = second)
        {
            var iov = stackalloc IoVec[2] { new IoVec(a, first.Length), new IoVec(b, second.Length) };
            return Check(writev(Fd(handle), iov, 2));
        }
    }

    private static int Fd(SafeHandle handle) => (int)handle.DangerousGetHandle();

    private static long Check(nint result) =>
        result >= 0 ? result : throw new IOException($"errno {Marshal.GetLastPInvokeError()}");

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readv(int fd, IoVec* iov, int count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint writev(int fd, IoVec* iov, int count);

    private readonly struct IoVec(byte* @base, int length)
    {
        public readonly byte* Base = @base;
        public readonly nuint Length = (nuint)length;
    }
}
