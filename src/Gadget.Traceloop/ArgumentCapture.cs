namespace Gadget.Traceloop;

/// <summary>What the BPF side reads behind one syscall argument (shared with bpf/traceloop.bpf.c: keep the values in sync).</summary>
public enum ArgumentCapture : byte
{
    /// <summary>Nothing: the argument is a plain value.</summary>
    None = 0,

    /// <summary>A NUL-terminated string read at entry (a name), up to 256 bytes.</summary>
    StringIn = 1,

    /// <summary>A buffer read at entry, its length given by another argument (write, sendto, ...).</summary>
    BufferIn = 2,

    /// <summary>A buffer the kernel fills, read at exit, its length given by the return value (read, recvfrom, ...).</summary>
    BufferOut = 3,

    /// <summary>A socket address read at entry, its length given by another argument (connect, bind, sendto).</summary>
    SockaddrIn = 4,

    /// <summary>A fixed-size structure read at exit (e.g. a pipe's two fds, a stat buffer), its size given by the spec.</summary>
    StructOut = 5,

    /// <summary>A NULL-terminated array of strings read at entry (execve's argv).</summary>
    StringArrayIn = 6,

    /// <summary>A fixed-size structure read at entry (a sigaction, a signal set, an rlimit, a timespec), its size given by the spec.</summary>
    StructIn = 7,

    /// <summary>
    /// An array read at exit, also when the call failed: <see cref="ArgumentCaptureSpec.LengthArgument"/> holds the element count,
    /// <see cref="ArgumentCaptureSpec.FixedSize"/> the element size (poll's pollfds, with the events in and the revents out).
    /// </summary>
    ArrayInOut = 8,

    /// <summary>At exit, the number of <c>linux_dirent64</c> records the kernel wrote (getdents64), a 32-bit count.</summary>
    DirentCount = 9,

    /// <summary>An iovec array read at entry, its count in <see cref="ArgumentCaptureSpec.LengthArgument"/>, with the first bytes of each buffer (writev).</summary>
    IovecIn = 10,

    /// <summary>An iovec array read at exit with the first bytes of each buffer the kernel filled, up to the return value (readv).</summary>
    IovecOut = 11,

    /// <summary>At entry, how many pointers a NULL-terminated array holds (execve's environment), a 32-bit count.</summary>
    PointerCount = 12,

    /// <summary>
    /// A socket address the kernel writes, read at exit with the address length (argument <see cref="ArgumentCaptureSpec.LengthArgument"/>
    /// points at it): the length at entry (u32), then, when the call succeeded, the length at exit (u32) and the address.
    /// </summary>
    SockaddrOut = 13,

    /// <summary>A struct msghdr read at entry (sendmsg): the structure, its name (u16 length and bytes) and its iovecs (a nested capture).</summary>
    MsghdrIn = 14,

    /// <summary>A struct msghdr read at exit (recvmsg): msg_namelen at entry (u32), then as <see cref="MsghdrIn"/>, the iovecs up to the return value.</summary>
    MsghdrOut = 15,

    /// <summary>A path read at entry, up to PATH_MAX (4,096 bytes with its NUL): printed whole, as strace does.</summary>
    PathIn = 16,
}
