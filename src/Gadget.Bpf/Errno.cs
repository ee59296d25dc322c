using System.Runtime.InteropServices;

namespace Gadget.Bpf;

/// <summary>errno values as the kernel returns them, and their conversion to typed exceptions.</summary>
/// <remarks>The numbers, names and descriptions come from Gadget's internal Linux ABI table (the same on x86-64 and arm64).</remarks>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = LinuxErrno.EPERM;
    /// <summary>No such file or directory.</summary>
    public const int ENOENT = LinuxErrno.ENOENT;
    /// <summary>No such process.</summary>
    public const int ESRCH = LinuxErrno.ESRCH;
    /// <summary>Interrupted system call.</summary>
    public const int EINTR = LinuxErrno.EINTR;
    /// <summary>Argument list too long (BPF: a value or program too big).</summary>
    public const int E2BIG = LinuxErrno.E2BIG;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = LinuxErrno.EBADF;
    /// <summary>Try again.</summary>
    public const int EAGAIN = LinuxErrno.EAGAIN;
    /// <summary>Out of memory.</summary>
    public const int ENOMEM = LinuxErrno.ENOMEM;
    /// <summary>Permission denied.</summary>
    public const int EACCES = LinuxErrno.EACCES;
    /// <summary>Bad address.</summary>
    public const int EFAULT = LinuxErrno.EFAULT;
    /// <summary>Device or resource busy.</summary>
    public const int EBUSY = LinuxErrno.EBUSY;
    /// <summary>File exists.</summary>
    public const int EEXIST = LinuxErrno.EEXIST;
    /// <summary>Not a directory.</summary>
    public const int ENOTDIR = LinuxErrno.ENOTDIR;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = LinuxErrno.EINVAL;
    /// <summary>Too many open files in the system (<c>fs.file-max</c>).</summary>
    public const int ENFILE = LinuxErrno.ENFILE;
    /// <summary>Too many open files: the process's <c>RLIMIT_NOFILE</c>.</summary>
    public const int EMFILE = LinuxErrno.EMFILE;
    /// <summary>No space left on device.</summary>
    public const int ENOSPC = LinuxErrno.ENOSPC;
    /// <summary>Function not implemented.</summary>
    public const int ENOSYS = LinuxErrno.ENOSYS;
    /// <summary>Operation not supported.</summary>
    public const int EOPNOTSUPP = LinuxErrno.EOPNOTSUPP;
    /// <summary>Operation not supported (kernel-internal, returned by BPF).</summary>
    public const int ENOTSUPP = LinuxErrno.ENOTSUPP;

    /// <summary>libbpf's own error code for an ELF file that is not a valid BPF object (<c>LIBBPF_ERRNO__FORMAT</c>).</summary>
    private const int LibbpfErrnoFormat = 4007;

    /// <summary>The symbolic name of an errno value, e.g. <c>EPERM</c>, or <c>errno N</c> when unknown.</summary>
    public static string Name(int errno)
    {
        errno = Math.Abs(errno);
        return LinuxErrno.Name(errno) ?? (errno == LibbpfErrnoFormat ? "LIBBPF_ERRNO__FORMAT" : $"errno {errno}");
    }

    /// <summary>The C library's description of an errno value.</summary>
    public static unsafe string Describe(int errno)
    {
        errno = Math.Abs(errno);
        if (errno >= 4000 && errno < 4100)
        {
            byte* lb = stackalloc byte[256];
            if (Interop.LibBpf.libbpf_strerror(errno, lb, 256) == 0)
            {
                return Marshal.PtrToStringUTF8((nint)lb) ?? Name(errno);
            }
        }
        return LinuxErrno.Description(errno) ?? Marshal.GetPInvokeErrorMessage(errno);
    }

    /// <summary>
    /// Turns an errno into the most specific exception: <see cref="BpfPermissionException"/> for EPERM/EACCES
    /// (naming the capability), <see cref="FileNotFoundException"/> for ENOENT on a path, otherwise <see cref="BpfException"/>.
    /// </summary>
    /// <param name="errno">The errno, positive or negative.</param>
    /// <param name="operation">What was being done, e.g. <c>pin map 'events'</c>.</param>
    /// <param name="path">The file involved, if any; named in the message.</param>
    public static Exception ToException(int errno, string operation, string? path = null)
    {
        errno = Math.Abs(errno);
        var where = path is null ? string.Empty : $" (path '{path}')";
        var text = $"{operation} failed{where}: {Name(errno)} ({Describe(errno)})";
        switch (errno)
        {
            case EPERM:
            case EACCES:
                // Names what this process lacks for this operation (judged from CapEff), not every capability BPF may need.
                return new BpfPermissionException($"{text}. {PermissionAdvice.For(operation, path)}", errno);
            case ENOENT when path is not null:
                return new FileNotFoundException($"{text}.", path);
            case E2BIG:
                return new BpfException($"{text}. A size or limit was exceeded (value too large, program too big, or max_entries too large).", errno);
            case ENOMEM:
                return new BpfException($"{text}. The kernel could not allocate memory for the BPF object; check the memory cgroup limit and RLIMIT_MEMLOCK ('ulimit -l').", errno);
            case EMFILE:
                return new BpfException($"{text}. {OpenFilesAdvice()}", errno);
            case ENFILE:
                return new BpfException($"{text}. The system-wide limit of open files is reached (sysctl fs.file-max; fs.file-nr shows the use).", errno);
            case EOPNOTSUPP:
            case ENOTSUPP:
                return new BpfFeatureNotSupportedException(operation, $"{text}. The running kernel does not support this operation.");
            default:
                return new BpfException(text + ".", errno);
        }
    }

    /// <summary>
    /// Why EMFILE happened and what to do: the process's open-file limit, how many descriptors it has open, and that every
    /// map, program, link and per-CPU perf buffer holds one.
    /// </summary>
    internal static string OpenFilesAdvice() =>
        $"The process reached its limit of open files ({OpenFileLimit.Read()}): every BPF map, program and link and every " +
        "per-CPU perf buffer holds a descriptor. Raise it: 'ulimit -n' (up to the hard limit), LimitNOFILE= in a systemd unit, " +
        "or the container runtime's nofile ulimit.";

    /// <summary>The calling thread's errno after the last P/Invoke that set it.</summary>
    internal static int Last => Marshal.GetLastPInvokeError();

    /// <summary>Throws when a libbpf call returned a negative errno.</summary>
    internal static int ThrowIfNegative(int result, string operation, string? path = null)
    {
        if (result < 0)
        {
            throw ToException(result, operation, path);
        }
        return result;
    }
}
