namespace Gadget.Traceloop;

/// <summary>What the BPF side reads behind one syscall argument (shared with bpf/traceloop.bpf.c: keep the values in sync).</summary>
public enum ArgumentCapture : byte
{
    /// <summary>Nothing: the argument is a plain value.</summary>
    None = 0,

    /// <summary>A NUL-terminated string read at entry (a path, a name).</summary>
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
}
