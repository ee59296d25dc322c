namespace Gadget.Traceloop;

/// <summary>How <see cref="SeccompProfileAdvisor"/> turns a recorded history into a seccomp profile.</summary>
public sealed class SeccompProfileOptions
{
    /// <summary>
    /// Syscalls allowed on top of those recorded. By default <see cref="RuntimeSyscalls"/>: the ones a history cannot be
    /// relied on to show but a program needs to start and end under an OCI runtime.
    /// </summary>
    public IReadOnlyCollection<string> AlwaysAllowed { get; init; } = RuntimeSyscalls;

    /// <summary>
    /// What a program's start needs from its runtime after the filter is in force, whether or not the history shows it:
    /// <c>execve</c> (the runtime installs the filter before exec'ing the program), <c>exit</c>/<c>exit_group</c>/
    /// <c>rt_sigreturn</c> (which a short history may miss), and what runc's init process (a Go program) does between
    /// installing the filter and that exec, measured with strace on runc 1.1: waiting on its exec fifo (openat, write, close,
    /// fcntl), closing inherited descriptors (getdents64, fstatfs, getpid), and its Go runtime's threads (futex, nanosleep,
    /// sched_yield, epoll_pwait, epoll_ctl, and the signal and memory calls the runtime may make at any time: rt_sigprocmask,
    /// rt_sigaction, sigaltstack, tgkill, gettid, madvise, mmap, munmap). Without futex in the profile, runc init dies with
    /// "futexwakeup returned -1" whenever the recorded history happened not to contain one.
    /// </summary>
    public static IReadOnlyCollection<string> RuntimeSyscalls { get; } =
    [
        "execve", "exit", "exit_group", "rt_sigreturn",
        "openat", "write", "close", "fcntl", "getdents64", "fstatfs", "getpid",
        "futex", "nanosleep", "sched_yield", "epoll_pwait", "epoll_ctl",
        "rt_sigprocmask", "rt_sigaction", "sigaltstack", "tgkill", "gettid", "madvise", "mmap", "munmap",
    ];

    /// <summary>The errno returned for a refused syscall (default 1, EPERM).</summary>
    public int RefusedErrno { get; init; } = 1;
}
