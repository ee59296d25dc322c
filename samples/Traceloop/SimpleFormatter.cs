using System.Text;
using Gadget.Traceloop;

namespace Traceloop;

/// <summary>
/// A small strace-like formatter for the syscalls the built-in capture table covers (names of the common x86-64 syscalls,
/// paths, buffers, AT_FDCWD, open flags, errno). Stands in until the decoder's formatter is used.
/// </summary>
internal static class SimpleFormatter
{
    private static readonly Dictionary<int, (string Name, int Arity)> Syscalls = new()
    {
        [0] = ("read", 3), [1] = ("write", 3), [2] = ("open", 3), [3] = ("close", 1), [4] = ("stat", 2), [5] = ("fstat", 2),
        [6] = ("lstat", 2), [7] = ("poll", 3), [8] = ("lseek", 3), [9] = ("mmap", 6), [10] = ("mprotect", 3), [11] = ("munmap", 2),
        [12] = ("brk", 1), [13] = ("rt_sigaction", 4), [14] = ("rt_sigprocmask", 4), [15] = ("rt_sigreturn", 0), [16] = ("ioctl", 3),
        [17] = ("pread64", 4), [18] = ("pwrite64", 4), [20] = ("writev", 3), [21] = ("access", 2), [22] = ("pipe", 1), [23] = ("select", 5),
        [24] = ("sched_yield", 0), [28] = ("madvise", 3), [32] = ("dup", 1), [33] = ("dup2", 2), [35] = ("nanosleep", 2), [39] = ("getpid", 0),
        [41] = ("socket", 3), [42] = ("connect", 3), [44] = ("sendto", 6), [45] = ("recvfrom", 6), [49] = ("bind", 3), [56] = ("clone", 5),
        [57] = ("fork", 0), [59] = ("execve", 3), [60] = ("exit", 1), [61] = ("wait4", 4), [62] = ("kill", 2), [63] = ("uname", 1),
        [72] = ("fcntl", 3), [79] = ("getcwd", 2), [80] = ("chdir", 1), [87] = ("unlink", 1), [89] = ("readlink", 3), [96] = ("gettimeofday", 2),
        [102] = ("getuid", 0), [104] = ("getgid", 0), [107] = ("geteuid", 0), [108] = ("getegid", 0), [110] = ("getppid", 0),
        [158] = ("arch_prctl", 2), [186] = ("gettid", 0), [200] = ("tkill", 2), [202] = ("futex", 6), [217] = ("getdents64", 3), [218] = ("set_tid_address", 1),
        [228] = ("clock_gettime", 2), [230] = ("clock_nanosleep", 4), [231] = ("exit_group", 1), [234] = ("tgkill", 3), [257] = ("openat", 4), [262] = ("newfstatat", 4),
        [263] = ("unlinkat", 3), [267] = ("readlinkat", 4), [269] = ("faccessat", 3), [273] = ("set_robust_list", 2), [293] = ("pipe2", 2),
        [302] = ("prlimit64", 4), [318] = ("getrandom", 3), [332] = ("statx", 5), [334] = ("rseq", 4), [435] = ("clone3", 2), [439] = ("faccessat2", 4),
    };

    private static readonly string?[] Errnos =
    [
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES",
        "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY",
        "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE",
    ];

    /// <summary>The syscall's name, or <c>syscall_N</c>.</summary>
    internal static string Name(int number) => Syscalls.TryGetValue(number, out var s) ? s.Name : $"syscall_{number}";

    /// <summary>One line: <c>name(args) = ret</c>.</summary>
    internal static string Format(SyscallRecord r)
    {
        var (name, arity) = Syscalls.TryGetValue(r.Number, out var s) ? s : ($"syscall_{r.Number}", 6);
        var sb = new StringBuilder(name).Append('(');
        for (var i = 0; i < arity; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            FormatArgument(sb, r, i);
        }
        sb.Append(')');
        if (r.ReturnValue is not { } ret)
        {
            return sb.Append(" = ?").ToString();
        }
        sb.Append(" = ");
        if (ret is < 0 and > -4096)
        {
            var errno = (int)-ret;
            sb.Append("-1 ").Append(errno < Errnos.Length ? Errnos[errno] : $"E{errno}");
        }
        else if (r.Number is 9 or 12)
        {
            sb.Append("0x").Append(((ulong)ret).ToString("x"));
        }
        else
        {
            sb.Append(ret);
        }
        return sb.ToString();
    }

    private static void FormatArgument(StringBuilder sb, SyscallRecord r, int i)
    {
        var value = r.Arguments[i];
        foreach (var c in r.Captured)
        {
            if (c.Index == i)
            {
                if (c.Status == CaptureStatus.Unreadable)
                {
                    sb.Append("0x").Append(value.ToString("x"));
                    return;
                }
                if (r.Number is 59 && i == 1)
                {
                    sb.Append('[');
                    var parts = Encoding.UTF8.GetString(c.Data.Span).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                    sb.AppendJoin(", ", parts.Select(p => Quote(Encoding.UTF8.GetBytes(p), false, 4096))).Append(c.Status == CaptureStatus.Truncated ? ", ...]" : "]");
                    return;
                }
                var isBuffer = i == 1 && r.Number is 0 or 1 or 17 or 18 or 44 or 45;
                sb.Append(Quote(c.Data.Span, c.Status == CaptureStatus.Truncated, isBuffer ? 32 : 4096));
                return;
            }
        }
        var isDirFd = i == 0 && r.Number is 257 or 262 or 263 or 267 or 269 or 332 or 439;
        if (isDirFd && (int)value == -100)
        {
            sb.Append("AT_FDCWD");
        }
        else if (r.Number is 257 && i == 2)
        {
            sb.Append(OpenFlags((int)value));
        }
        else if (r.Number is 2 && i == 1)
        {
            sb.Append(OpenFlags((int)value));
        }
        else if (value > 0xffff_ffff)
        {
            sb.Append("0x").Append(value.ToString("x"));
        }
        else
        {
            sb.Append((int)value);
        }
    }

    private static string OpenFlags(int flags)
    {
        var parts = new List<string> { (flags & 3) switch { 0 => "O_RDONLY", 1 => "O_WRONLY", _ => "O_RDWR" } };
        (int Bit, string Name)[] bits = [(0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"),
            (0x800, "O_NONBLOCK"), (0x10000, "O_DIRECTORY"), (0x20000, "O_NOFOLLOW"), (0x80000, "O_CLOEXEC"), (0x200000, "O_PATH")];
        foreach (var (bit, name) in bits)
        {
            if ((flags & bit) != 0)
            {
                parts.Add(name);
            }
        }
        return string.Join('|', parts);
    }

    private static string Quote(ReadOnlySpan<byte> data, bool truncated, int limit)
    {
        var sb = new StringBuilder("\"");
        var shown = Math.Min(data.Length, limit);
        foreach (var b in data[..shown])
        {
            sb.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\{Convert.ToString(b, 8)}",
            });
        }
        sb.Append('"');
        if (truncated || shown < data.Length)
        {
            sb.Append("...");
        }
        return sb.ToString();
    }
}
