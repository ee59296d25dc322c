namespace Gadget.Bpf;

/// <summary>A BPF operation failed in the kernel or in libbpf.</summary>
public class BpfException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, and what to do about it.</param>
    /// <param name="errno">The positive errno value the kernel or libbpf returned, or 0.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public BpfException(string message, int errno = 0, Exception? innerException = null)
        : base(message, innerException)
    {
        Errno = errno;
    }

    /// <summary>The positive errno value behind the failure (e.g. 1 for EPERM), or 0 when there is none.</summary>
    public int Errno { get; }

    /// <summary>The symbolic name of <see cref="Errno"/> (e.g. <c>EPERM</c>), or <c>null</c>.</summary>
    public string? ErrnoName => Errno == 0 ? null : Gadget.Bpf.Errno.Name(Errno);
}
