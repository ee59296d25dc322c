using System.Collections.Frozen;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// strace's syscall classes (<c>-e trace=%file</c>, ...) by syscall name: which syscalls take a file name, a descriptor,
/// manage processes, and so on. Names, not numbers: the same on x86-64 and arm64 (arm64 lacks some), and for the 32-bit
/// syscalls of the same name. Checked against strace itself (StraceClassTests).
/// </summary>
internal static class SyscallClasses
{
    private const string Desc = """
        read write open close fstat poll lseek mmap ioctl pread64 pwrite64 readv writev pipe select dup dup2 sendfile fcntl
        flock fsync fdatasync ftruncate getdents fchdir creat fchmod fchown fstatfs readahead fsetxattr fgetxattr flistxattr
        fremovexattr epoll_create getdents64 fadvise64 epoll_wait epoll_ctl mq_open mq_timedsend mq_timedreceive mq_notify
        mq_getsetattr inotify_init inotify_add_watch inotify_rm_watch openat mkdirat mknodat fchownat futimesat newfstatat
        unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat pselect6 ppoll splice tee sync_file_range vmsplice
        utimensat epoll_pwait signalfd timerfd_create eventfd fallocate timerfd_settime timerfd_gettime signalfd4 eventfd2
        epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev perf_event_open fanotify_init fanotify_mark name_to_handle_at
        open_by_handle_at syncfs setns finit_module renameat2 memfd_create kexec_file_load bpf execveat userfaultfd
        copy_file_range preadv2 pwritev2 statx pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree
        move_mount fsopen fsconfig fsmount fspick pidfd_open openat2 pidfd_getfd faccessat2 process_madvise epoll_pwait2
        mount_setattr quotactl_fd landlock_create_ruleset landlock_add_rule landlock_restrict_self memfd_secret
        process_mrelease cachestat fchmodat2 setxattrat getxattrat listxattrat removexattrat open_tree_attr file_getattr
        file_setattr fstat64 fstatat64 fstatfs64 fcntl64 ftruncate64 _llseek _newselect readdir oldfstat mmap2 old_mmap
        sendfile64
        """;

    private const string File = """
        open stat lstat access truncate getcwd chdir rename mkdir rmdir creat link unlink symlink readlink chmod chown lchown
        utime mknod uselib statfs pivot_root chroot acct mount umount2 swapon swapoff quotactl setxattr lsetxattr getxattr
        lgetxattr listxattr llistxattr removexattr lremovexattr utimes inotify_add_watch openat mkdirat mknodat fchownat
        futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat utimensat fanotify_mark
        name_to_handle_at renameat2 execve execveat statx open_tree move_mount fsconfig fspick openat2 faccessat2
        mount_setattr fchmodat2 setxattrat getxattrat listxattrat removexattrat open_tree_attr file_getattr file_setattr
        stat64 lstat64 fstatat64 statfs64 truncate64 chown32 lchown32 umount oldstat oldlstat
        """;

    private const string Process = """
        clone fork vfork execve exit wait4 kill rt_sigqueueinfo tkill exit_group tgkill waitid rt_tgsigqueueinfo execveat
        pidfd_send_signal clone3 waitpid
        """;

    private const string Signal = """
        rt_sigaction rt_sigprocmask rt_sigreturn pause kill rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend
        sigaltstack tkill tgkill signalfd signalfd4 rt_tgsigqueueinfo pidfd_send_signal io_uring_enter sigaction sigprocmask
        sigreturn sigpending sigsuspend signal sgetmask ssetmask
        """;

    private const string Network = """
        sendfile socket connect accept sendto recvfrom sendmsg recvmsg shutdown bind listen getsockname getpeername
        socketpair setsockopt getsockopt getpmsg putpmsg accept4 recvmmsg sendmmsg send recv sendfile64
        """;

    private const string Ipc = """
        shmget shmat shmctl semget semop semctl shmdt msgget msgsnd msgrcv msgctl semtimedop
        """;

    private const string Memory = """
        mmap mprotect munmap brk mremap msync mincore madvise shmat shmdt mlock munlock mlockall munlockall io_setup
        io_destroy remap_file_pages mbind set_mempolicy get_mempolicy migrate_pages move_pages mlock2 pkey_mprotect
        io_uring_register set_mempolicy_home_node map_shadow_stack mseal mmap2 old_mmap
        """;

    private const string Creds = """
        getuid getgid setuid setgid geteuid getegid setreuid setregid getgroups setgroups setresuid getresuid setresgid
        getresgid setfsuid setfsgid capget capset prctl getuid32 getgid32 geteuid32 getegid32 setuid32 setgid32
        setreuid32 setregid32 getgroups32 setgroups32 setresuid32 getresuid32 setresgid32 getresgid32 setfsuid32 setfsgid32
        """;

    private const string Clock = """
        gettimeofday adjtimex settimeofday time clock_settime clock_gettime clock_getres clock_adjtime
        """;

    private const string Pure = """
        getpid getuid getgid geteuid getegid getppid getpgrp gettid getuid32 getgid32 geteuid32 getegid32
        """;

    /// <summary>Each class's syscall names, by the class's name as strace spells it after <c>%</c>.</summary>
    internal static readonly FrozenDictionary<string, FrozenSet<string>> ByName = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal)
    {
        ["file"] = Names(File),
        ["desc"] = Names(Desc),
        ["process"] = Names(Process),
        ["signal"] = Names(Signal),
        ["network"] = Names(Network),
        ["net"] = Names(Network),
        ["ipc"] = Names(Ipc),
        ["memory"] = Names(Memory),
        ["creds"] = Names(Creds),
        ["clock"] = Names(Clock),
        ["pure"] = Names(Pure),
        ["stat"] = Names("stat stat64 oldstat"),
        ["lstat"] = Names("lstat lstat64 oldlstat"),
        ["fstat"] = Names("fstat newfstatat statx fstat64 fstatat64 oldfstat"),
        ["%stat"] = Names("stat lstat fstat newfstatat statx stat64 lstat64 fstat64 fstatat64 oldstat oldlstat oldfstat"),
        ["statfs"] = Names("statfs statfs64"),
        ["fstatfs"] = Names("fstatfs fstatfs64"),
        ["%statfs"] = Names("ustat statfs fstatfs statfs64 fstatfs64"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The classes strace also takes without <c>%</c> (its older spelling).</summary>
    internal static readonly FrozenSet<string> LegacyNames = new[] { "file", "desc", "process", "signal", "network", "ipc", "memory" }.ToFrozenSet(StringComparer.Ordinal);

    private static FrozenSet<string> Names(string names) =>
        names.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);
}
