namespace Gadget.Traceloop.Decoding;

/// <summary>The constant tables strace uses for the arguments traceloop decodes (values from the Linux UAPI headers).</summary>
internal sealed class Constants
{
    private Constants(SyscallArchitecture architecture)
    {
        bool arm = architecture == SyscallArchitecture.Arm64;
        ulong oDirectory = arm ? 0x4000UL : 0x10000UL, oNoFollow = arm ? 0x8000UL : 0x20000UL, oDirect = arm ? 0x10000UL : 0x4000UL, oLargeFile = arm ? 0x20000UL : 0x8000UL;
        OpenFlags = new FlagTable(null,
            (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"), (0x800, "O_NONBLOCK"),
            (0x101000, "O_SYNC"), (0x1000, "O_DSYNC"), (oDirect, "O_DIRECT"), (oLargeFile, "O_LARGEFILE"), (oNoFollow, "O_NOFOLLOW"),
            (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"), (0x200000, "O_PATH"), (0x400000 | oDirectory, "O_TMPFILE"), (oDirectory, "O_DIRECTORY"),
            (0x2000, "FASYNC"));
        TmpFileFlag = 0x400000;
        MapFlags = new FlagTable(null, arm
            ? [(0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"), (0x10000, "MAP_NONBLOCK"), (0x100, "MAP_GROWSDOWN"),
               (0x800, "MAP_DENYWRITE"), (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"), (0x20000, "MAP_STACK"), (0x40000, "MAP_HUGETLB"), (0x80000, "MAP_SYNC"), (0x100000, "MAP_FIXED_NOREPLACE")]
            : [(0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x40, "MAP_32BIT"), (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"), (0x10000, "MAP_NONBLOCK"), (0x100, "MAP_GROWSDOWN"),
               (0x800, "MAP_DENYWRITE"), (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"), (0x20000, "MAP_STACK"), (0x40000, "MAP_HUGETLB"), (0x80000, "MAP_SYNC"), (0x100000, "MAP_FIXED_NOREPLACE")]);
        Protection = new FlagTable(null, arm
            ? [(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (8, "PROT_SEM"), (0x10, "PROT_BTI"), (0x20, "PROT_MTE"), (0x01000000, "PROT_GROWSDOWN"), (0x02000000, "PROT_GROWSUP")]
            : [(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (8, "PROT_SEM"), (0x01000000, "PROT_GROWSDOWN"), (0x02000000, "PROT_GROWSUP")]);
    }

    /// <summary>x86-64's constants.</summary>
    public static Constants X86_64 { get; } = new(SyscallArchitecture.X86_64);

    /// <summary>arm64's constants.</summary>
    public static Constants Arm64 { get; } = new(SyscallArchitecture.Arm64);

    /// <summary>The constants of <paramref name="architecture"/>.</summary>
    public static Constants For(SyscallArchitecture architecture) => architecture == SyscallArchitecture.Arm64 ? Arm64 : X86_64;

    /// <summary>open(2) flags beyond the access mode.</summary>
    public FlagTable OpenFlags { get; }

    /// <summary>The <c>__O_TMPFILE</c> bit (with <c>O_CREAT</c>, it makes open take a mode).</summary>
    public ulong TmpFileFlag { get; }

    /// <summary>mmap(2) flags beyond the mapping type.</summary>
    public FlagTable MapFlags { get; }

    /// <summary>PROT_* bits.</summary>
    public FlagTable Protection { get; }

    /// <summary>O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE.</summary>
    public static FlagTable OpenAccessModes { get; } = new(null, (0, "O_RDONLY"), (1, "O_WRONLY"), (2, "O_RDWR"), (3, "O_ACCMODE"));

    /// <summary>The mapping type (low 4 bits of mmap flags).</summary>
    public static FlagTable MapTypes { get; } = new("MAP_???", (1, "MAP_SHARED"), (2, "MAP_PRIVATE"), (3, "MAP_SHARED_VALIDATE"));

    /// <summary>access(2) modes.</summary>
    public static FlagTable AccessModes { get; } = new(null, (4, "R_OK"), (2, "W_OK"), (1, "X_OK"));

    /// <summary>Flags of pipe2 and dup3 (O_CLOEXEC and friends).</summary>
    public static FlagTable PipeFlags { get; } = new("O_???", (0x800, "O_NONBLOCK"), (0x80000, "O_CLOEXEC"), (0x4000, "O_DIRECT"), (0x80, "O_EXCL"));

    /// <summary>AT_* flags of the *at syscalls.</summary>
    public static FlagTable AtFlags { get; } = new(null,
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"), (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
        (0x2000, "AT_STATX_FORCE_SYNC"), (0x4000, "AT_STATX_DONT_SYNC"), (0x8000, "AT_RECURSIVE"));

    /// <summary>AT_* flags of faccessat2.</summary>
    public static FlagTable AccessAtFlags { get; } = new(null, (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_EACCESS"), (0x1000, "AT_EMPTY_PATH"));

    /// <summary>lseek whence.</summary>
    public static FlagTable Whence { get; } = new("SEEK_???", (0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE"));

    /// <summary>MSG_* flags of send/recv.</summary>
    public static FlagTable MessageFlags { get; } = new(null,
        (0x1, "MSG_OOB"), (0x2, "MSG_PEEK"), (0x4, "MSG_DONTROUTE"), (0x8, "MSG_CTRUNC"), (0x10, "MSG_PROBE"), (0x20, "MSG_TRUNC"), (0x40, "MSG_DONTWAIT"),
        (0x80, "MSG_EOR"), (0x100, "MSG_WAITALL"), (0x200, "MSG_FIN"), (0x400, "MSG_SYN"), (0x800, "MSG_CONFIRM"), (0x1000, "MSG_RST"), (0x2000, "MSG_ERRQUEUE"),
        (0x4000, "MSG_NOSIGNAL"), (0x8000, "MSG_MORE"), (0x10000, "MSG_WAITFORONE"), (0x20000, "MSG_SENDPAGE_NOTLAST"), (0x40000, "MSG_BATCH"),
        (0x80000, "MSG_NO_SHARED_FRAGS"), (0x4000000, "MSG_ZEROCOPY"), (0x20000000, "MSG_FASTOPEN"), (0x40000000, "MSG_CMSG_CLOEXEC"), (0x80000000, "MSG_CMSG_COMPAT"));

    /// <summary>Address families.</summary>
    public static FlagTable AddressFamilies { get; } = new("AF_???",
        (0, "AF_UNSPEC"), (1, "AF_UNIX"), (2, "AF_INET"), (3, "AF_AX25"), (4, "AF_IPX"), (5, "AF_APPLETALK"), (6, "AF_NETROM"), (7, "AF_BRIDGE"), (8, "AF_ATMPVC"),
        (9, "AF_X25"), (10, "AF_INET6"), (11, "AF_ROSE"), (12, "AF_DECnet"), (13, "AF_NETBEUI"), (14, "AF_SECURITY"), (15, "AF_KEY"), (16, "AF_NETLINK"),
        (17, "AF_PACKET"), (18, "AF_ASH"), (19, "AF_ECONET"), (20, "AF_ATMSVC"), (21, "AF_RDS"), (22, "AF_SNA"), (23, "AF_IRDA"), (24, "AF_PPPOX"),
        (25, "AF_WANPIPE"), (26, "AF_LLC"), (27, "AF_IB"), (28, "AF_MPLS"), (29, "AF_CAN"), (30, "AF_TIPC"), (31, "AF_BLUETOOTH"), (32, "AF_IUCV"),
        (33, "AF_RXRPC"), (34, "AF_ISDN"), (35, "AF_PHONET"), (36, "AF_IEEE802154"), (37, "AF_CAIF"), (38, "AF_ALG"), (39, "AF_NFC"), (40, "AF_VSOCK"),
        (41, "AF_KCM"), (42, "AF_QIPCRTR"), (43, "AF_SMC"), (44, "AF_XDP"), (45, "AF_MCTP"));

    /// <summary>Socket types (low 4 bits of socket(2)'s type).</summary>
    public static FlagTable SocketTypes { get; } = new("SOCK_???", (1, "SOCK_STREAM"), (2, "SOCK_DGRAM"), (3, "SOCK_RAW"), (4, "SOCK_RDM"), (5, "SOCK_SEQPACKET"), (6, "SOCK_DCCP"), (10, "SOCK_PACKET"));

    /// <summary>Socket type flags.</summary>
    public static FlagTable SocketTypeFlags { get; } = new("SOCK_???", (0x80000, "SOCK_CLOEXEC"), (0x800, "SOCK_NONBLOCK"));

    /// <summary>IP protocols (for AF_INET and AF_INET6 sockets).</summary>
    public static FlagTable IpProtocols { get; } = new(null,
        (0, "IPPROTO_IP"), (1, "IPPROTO_ICMP"), (2, "IPPROTO_IGMP"), (4, "IPPROTO_IPIP"), (6, "IPPROTO_TCP"), (8, "IPPROTO_EGP"), (12, "IPPROTO_PUP"),
        (17, "IPPROTO_UDP"), (22, "IPPROTO_IDP"), (29, "IPPROTO_TP"), (33, "IPPROTO_DCCP"), (41, "IPPROTO_IPV6"), (46, "IPPROTO_RSVP"), (47, "IPPROTO_GRE"),
        (50, "IPPROTO_ESP"), (51, "IPPROTO_AH"), (58, "IPPROTO_ICMPV6"), (92, "IPPROTO_MTP"), (94, "IPPROTO_BEETPH"), (98, "IPPROTO_ENCAP"), (103, "IPPROTO_PIM"),
        (108, "IPPROTO_COMP"), (115, "IPPROTO_L2TP"), (132, "IPPROTO_SCTP"), (136, "IPPROTO_UDPLITE"), (137, "IPPROTO_MPLS"), (143, "IPPROTO_ETHERNET"),
        (255, "IPPROTO_RAW"), (262, "IPPROTO_MPTCP"));

    /// <summary>arch_prctl codes (x86-64).</summary>
    public static FlagTable ArchPrctlCodes { get; } = new("ARCH_???",
        (0x1001, "ARCH_SET_GS"), (0x1002, "ARCH_SET_FS"), (0x1003, "ARCH_GET_FS"), (0x1004, "ARCH_GET_GS"), (0x1011, "ARCH_GET_CPUID"), (0x1012, "ARCH_SET_CPUID"),
        (0x1021, "ARCH_GET_XCOMP_SUPP"), (0x1022, "ARCH_GET_XCOMP_PERM"), (0x1023, "ARCH_REQ_XCOMP_PERM"), (0x2001, "ARCH_MAP_VDSO_X32"), (0x2002, "ARCH_MAP_VDSO_32"),
        (0x2003, "ARCH_MAP_VDSO_64"));

    /// <summary>getrandom flags.</summary>
    public static FlagTable RandomFlags { get; } = new(null, (1, "GRND_NONBLOCK"), (2, "GRND_RANDOM"), (4, "GRND_INSECURE"));

    /// <summary>RLIMIT_* resources.</summary>
    public static FlagTable Resources { get; } = new("RLIMIT_???",
        (0, "RLIMIT_CPU"), (1, "RLIMIT_FSIZE"), (2, "RLIMIT_DATA"), (3, "RLIMIT_STACK"), (4, "RLIMIT_CORE"), (5, "RLIMIT_RSS"), (6, "RLIMIT_NPROC"),
        (7, "RLIMIT_NOFILE"), (8, "RLIMIT_MEMLOCK"), (9, "RLIMIT_AS"), (10, "RLIMIT_LOCKS"), (11, "RLIMIT_SIGPENDING"), (12, "RLIMIT_MSGQUEUE"),
        (13, "RLIMIT_NICE"), (14, "RLIMIT_RTPRIO"), (15, "RLIMIT_RTTIME"));

    /// <summary>rt_sigprocmask's how.</summary>
    public static FlagTable SigprocmaskHow { get; } = new("SIG_???", (0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK"));

    /// <summary>fcntl commands.</summary>
    public static FlagTable FcntlCommands { get; } = new("F_???",
        (0, "F_DUPFD"), (1, "F_GETFD"), (2, "F_SETFD"), (3, "F_GETFL"), (4, "F_SETFL"), (5, "F_GETLK"), (6, "F_SETLK"), (7, "F_SETLKW"),
        (8, "F_SETOWN"), (9, "F_GETOWN"), (10, "F_SETSIG"), (11, "F_GETSIG"), (15, "F_SETOWN_EX"), (16, "F_GETOWN_EX"), (36, "F_OFD_GETLK"),
        (37, "F_OFD_SETLK"), (38, "F_OFD_SETLKW"), (1024, "F_SETLEASE"), (1025, "F_GETLEASE"), (1026, "F_NOTIFY"), (1029, "F_CANCELLK"),
        (1030, "F_DUPFD_CLOEXEC"), (1031, "F_SETPIPE_SZ"), (1032, "F_GETPIPE_SZ"), (1033, "F_ADD_SEALS"), (1034, "F_GET_SEALS"),
        (1035, "F_GET_RW_HINT"), (1036, "F_SET_RW_HINT"), (1037, "F_GET_FILE_RW_HINT"), (1038, "F_SET_FILE_RW_HINT"));

    /// <summary>Lease and lock types.</summary>
    public static FlagTable LockTypes { get; } = new("F_???", (0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK"));

    /// <summary>mremap flags.</summary>
    public static FlagTable RemapFlags { get; } = new(null, (1, "MREMAP_MAYMOVE"), (2, "MREMAP_FIXED"), (4, "MREMAP_DONTUNMAP"));

    /// <summary>wait4 options.</summary>
    public static FlagTable WaitOptions { get; } = new(null,
        (1, "WNOHANG"), (2, "WUNTRACED"), (4, "WEXITED"), (8, "WCONTINUED"), (0x1000000, "WNOWAIT"), (0x20000000, "__WNOTHREAD"), (0x40000000, "__WALL"), (0x80000000, "__WCLONE"));

    /// <summary>clone(2) flags (the low byte is the exit signal).</summary>
    public static FlagTable CloneFlags { get; } = new(null,
        (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"), (0x800, "CLONE_SIGHAND"), (0x1000, "CLONE_PIDFD"), (0x2000, "CLONE_PTRACE"),
        (0x4000, "CLONE_VFORK"), (0x8000, "CLONE_PARENT"), (0x10000, "CLONE_THREAD"), (0x20000, "CLONE_NEWNS"), (0x40000, "CLONE_SYSVSEM"),
        (0x80000, "CLONE_SETTLS"), (0x100000, "CLONE_PARENT_SETTID"), (0x200000, "CLONE_CHILD_CLEARTID"), (0x400000, "CLONE_DETACHED"),
        (0x800000, "CLONE_UNTRACED"), (0x1000000, "CLONE_CHILD_SETTID"), (0x2000000, "CLONE_NEWCGROUP"), (0x4000000, "CLONE_NEWUTS"),
        (0x8000000, "CLONE_NEWIPC"), (0x10000000, "CLONE_NEWUSER"), (0x20000000, "CLONE_NEWPID"), (0x40000000, "CLONE_NEWNET"), (0x80000000, "CLONE_IO"));

    /// <summary>prctl options.</summary>
    public static FlagTable PrctlOptions { get; } = new("PR_???", (1, "PR_SET_PDEATHSIG"), (2, "PR_GET_PDEATHSIG"), (3, "PR_GET_DUMPABLE"), (4, "PR_SET_DUMPABLE"), (5, "PR_GET_UNALIGN"), (6, "PR_SET_UNALIGN"), (7, "PR_GET_KEEPCAPS"), (8, "PR_SET_KEEPCAPS"), (9, "PR_GET_FPEMU"), (10, "PR_SET_FPEMU"), (11, "PR_GET_FPEXC"), (12, "PR_SET_FPEXC"), (13, "PR_GET_TIMING"), (14, "PR_SET_TIMING"), (15, "PR_SET_NAME"), (16, "PR_GET_NAME"), (19, "PR_GET_ENDIAN"), (20, "PR_SET_ENDIAN"), (21, "PR_GET_SECCOMP"), (22, "PR_SET_SECCOMP"), (23, "PR_CAPBSET_READ"), (24, "PR_CAPBSET_DROP"), (25, "PR_GET_TSC"), (26, "PR_SET_TSC"), (27, "PR_GET_SECUREBITS"), (28, "PR_SET_SECUREBITS"), (29, "PR_SET_TIMERSLACK"), (30, "PR_GET_TIMERSLACK"), (31, "PR_TASK_PERF_EVENTS_DISABLE"), (32, "PR_TASK_PERF_EVENTS_ENABLE"), (33, "PR_MCE_KILL"), (34, "PR_MCE_KILL_GET"), (35, "PR_SET_MM"), (36, "PR_SET_CHILD_SUBREAPER"), (37, "PR_GET_CHILD_SUBREAPER"), (38, "PR_SET_NO_NEW_PRIVS"), (39, "PR_GET_NO_NEW_PRIVS"), (40, "PR_GET_TID_ADDRESS"), (41, "PR_SET_THP_DISABLE"), (42, "PR_GET_THP_DISABLE"), (43, "PR_MPX_ENABLE_MANAGEMENT"), (44, "PR_MPX_DISABLE_MANAGEMENT"), (45, "PR_SET_FP_MODE"), (46, "PR_GET_FP_MODE"), (47, "PR_CAP_AMBIENT"), (50, "PR_SVE_SET_VL"), (51, "PR_SVE_GET_VL"), (52, "PR_GET_SPECULATION_CTRL"), (53, "PR_SET_SPECULATION_CTRL"), (54, "PR_PAC_RESET_KEYS"), (55, "PR_SET_TAGGED_ADDR_CTRL"), (56, "PR_GET_TAGGED_ADDR_CTRL"), (57, "PR_SET_IO_FLUSHER"), (58, "PR_GET_IO_FLUSHER"), (59, "PR_SET_SYSCALL_USER_DISPATCH"), (60, "PR_PAC_SET_ENABLED_KEYS"), (61, "PR_PAC_GET_ENABLED_KEYS"), (62, "PR_SCHED_CORE"), (0x59616d61, "PR_SET_PTRACER"), (0x53564d41, "PR_SET_VMA"));

    /// <summary>Capabilities (CAP_*).</summary>
    public static FlagTable Capabilities { get; } = new("CAP_???", (0, "CAP_CHOWN"), (1, "CAP_DAC_OVERRIDE"), (2, "CAP_DAC_READ_SEARCH"), (3, "CAP_FOWNER"), (4, "CAP_FSETID"), (5, "CAP_KILL"), (6, "CAP_SETGID"), (7, "CAP_SETUID"), (8, "CAP_SETPCAP"), (9, "CAP_LINUX_IMMUTABLE"), (10, "CAP_NET_BIND_SERVICE"), (11, "CAP_NET_BROADCAST"), (12, "CAP_NET_ADMIN"), (13, "CAP_NET_RAW"), (14, "CAP_IPC_LOCK"), (15, "CAP_IPC_OWNER"), (16, "CAP_SYS_MODULE"), (17, "CAP_SYS_RAWIO"), (18, "CAP_SYS_CHROOT"), (19, "CAP_SYS_PTRACE"), (20, "CAP_SYS_PACCT"), (21, "CAP_SYS_ADMIN"), (22, "CAP_SYS_BOOT"), (23, "CAP_SYS_NICE"), (24, "CAP_SYS_RESOURCE"), (25, "CAP_SYS_TIME"), (26, "CAP_SYS_TTY_CONFIG"), (27, "CAP_MKNOD"), (28, "CAP_LEASE"), (29, "CAP_AUDIT_WRITE"), (30, "CAP_AUDIT_CONTROL"), (31, "CAP_SETFCAP"), (32, "CAP_MAC_OVERRIDE"), (33, "CAP_MAC_ADMIN"), (34, "CAP_SYSLOG"), (35, "CAP_WAKE_ALARM"), (36, "CAP_BLOCK_SUSPEND"), (37, "CAP_AUDIT_READ"), (38, "CAP_PERFMON"), (39, "CAP_BPF"), (40, "CAP_CHECKPOINT_RESTORE"));

    /// <summary>PR_CAP_AMBIENT's operations.</summary>
    public static FlagTable CapAmbientOperations { get; } = new("PR_CAP_AMBIENT_???", (1, "PR_CAP_AMBIENT_IS_SET"), (2, "PR_CAP_AMBIENT_RAISE"), (3, "PR_CAP_AMBIENT_LOWER"), (4, "PR_CAP_AMBIENT_CLEAR_ALL"));

    /// <summary>PR_SET_DUMPABLE's values.</summary>
    public static FlagTable Dumpable { get; } = new("SUID_DUMP_???", (0, "SUID_DUMP_DISABLE"), (1, "SUID_DUMP_USER"), (2, "SUID_DUMP_ROOT"));

    /// <summary>posix_fadvise advice (fadvise64 on x86-64 and arm64).</summary>
    public static FlagTable FadviseAdvice { get; } = new("POSIX_FADV_???",
        (0, "POSIX_FADV_NORMAL"), (1, "POSIX_FADV_RANDOM"), (2, "POSIX_FADV_SEQUENTIAL"), (3, "POSIX_FADV_WILLNEED"), (4, "POSIX_FADV_DONTNEED"), (5, "POSIX_FADV_NOREUSE"));

    /// <summary>madvise advice.</summary>
    public static FlagTable MadviseAdvice { get; } = new("MADV_???",
        (0, "MADV_NORMAL"), (1, "MADV_RANDOM"), (2, "MADV_SEQUENTIAL"), (3, "MADV_WILLNEED"), (4, "MADV_DONTNEED"), (8, "MADV_FREE"), (9, "MADV_REMOVE"),
        (10, "MADV_DONTFORK"), (11, "MADV_DOFORK"), (12, "MADV_MERGEABLE"), (13, "MADV_UNMERGEABLE"), (14, "MADV_HUGEPAGE"), (15, "MADV_NOHUGEPAGE"),
        (16, "MADV_DONTDUMP"), (17, "MADV_DODUMP"), (18, "MADV_WIPEONFORK"), (19, "MADV_KEEPONFORK"), (20, "MADV_COLD"), (21, "MADV_PAGEOUT"),
        (22, "MADV_POPULATE_READ"), (23, "MADV_POPULATE_WRITE"), (24, "MADV_DONTNEED_LOCKED"), (25, "MADV_COLLAPSE"), (100, "MADV_HWPOISON"), (101, "MADV_SOFT_OFFLINE"));

    /// <summary>futex commands (the low 7 bits of the operation).</summary>
    public static FlagTable FutexCommands { get; } = new("FUTEX_???",
        (0, "FUTEX_WAIT"), (1, "FUTEX_WAKE"), (2, "FUTEX_FD"), (3, "FUTEX_REQUEUE"), (4, "FUTEX_CMP_REQUEUE"), (5, "FUTEX_WAKE_OP"), (6, "FUTEX_LOCK_PI"),
        (7, "FUTEX_UNLOCK_PI"), (8, "FUTEX_TRYLOCK_PI"), (9, "FUTEX_WAIT_BITSET"), (10, "FUTEX_WAKE_BITSET"), (11, "FUTEX_WAIT_REQUEUE_PI"),
        (12, "FUTEX_CMP_REQUEUE_PI"), (13, "FUTEX_LOCK_PI2"));

    /// <summary>ioctl requests strace names (terminal and generic file ones).</summary>
    public static FlagTable IoctlRequests { get; } = new(null,
        (0x5401, "TCGETS"), (0x5402, "TCSETS"), (0x5403, "TCSETSW"), (0x5404, "TCSETSF"), (0x540f, "TIOCGPGRP"), (0x5410, "TIOCSPGRP"),
        (0x5413, "TIOCGWINSZ"), (0x5414, "TIOCSWINSZ"), (0x541b, "FIONREAD"));

    /// <summary>ioctl requests that take no argument (strace prints two arguments).</summary>
    public static FlagTable IoctlRequestsWithoutArgument { get; } = new(null, (0x5450, "FIONCLEX"), (0x5451, "FIOCLEX"));

    /// <summary>Clock ids.</summary>
    public static FlagTable ClockIds { get; } = new("CLOCK_???",
        (0, "CLOCK_REALTIME"), (1, "CLOCK_MONOTONIC"), (2, "CLOCK_PROCESS_CPUTIME_ID"), (3, "CLOCK_THREAD_CPUTIME_ID"), (4, "CLOCK_MONOTONIC_RAW"),
        (5, "CLOCK_REALTIME_COARSE"), (6, "CLOCK_MONOTONIC_COARSE"), (7, "CLOCK_BOOTTIME"), (8, "CLOCK_REALTIME_ALARM"), (9, "CLOCK_BOOTTIME_ALARM"),
        (10, "CLOCK_SGI_CYCLE"), (11, "CLOCK_TAI"));

    /// <summary>epoll_ctl operations.</summary>
    public static FlagTable EpollOperations { get; } = new("EPOLL_CTL_???", (1, "EPOLL_CTL_ADD"), (2, "EPOLL_CTL_DEL"), (3, "EPOLL_CTL_MOD"));

    /// <summary>epoll_create1 flags.</summary>
    public static FlagTable EpollFlags { get; } = new("EPOLL_???", (0x80000, "EPOLL_CLOEXEC"));

    /// <summary>statx masks: the composites first, as strace matches them.</summary>
    public static FlagTable StatxMasks { get; } = new("STATX_???",
        (0xfff, "STATX_ALL"), (0x7ff, "STATX_BASIC_STATS"), (0x1, "STATX_TYPE"), (0x2, "STATX_MODE"), (0x4, "STATX_NLINK"), (0x8, "STATX_UID"),
        (0x10, "STATX_GID"), (0x20, "STATX_ATIME"), (0x40, "STATX_MTIME"), (0x80, "STATX_CTIME"), (0x100, "STATX_INO"), (0x200, "STATX_SIZE"),
        (0x400, "STATX_BLOCKS"), (0x800, "STATX_BTIME"), (0x1000, "STATX_MNT_ID"), (0x2000, "STATX_DIOALIGN"), (0x4000, "STATX_MNT_ID_UNIQUE"),
        (0x8000, "STATX_SUBVOL"), (0x10000, "STATX_WRITE_ATOMIC"));

    /// <summary>Memory policy modes (the low bits of set_mempolicy's mode).</summary>
    public static FlagTable MemoryPolicyModes { get; } = new("MPOL_???",
        (0, "MPOL_DEFAULT"), (1, "MPOL_PREFERRED"), (2, "MPOL_BIND"), (3, "MPOL_INTERLEAVE"), (4, "MPOL_LOCAL"), (5, "MPOL_PREFERRED_MANY"),
        (6, "MPOL_WEIGHTED_INTERLEAVE"));

    /// <summary>Memory policy mode flags.</summary>
    public static FlagTable MemoryPolicyFlags { get; } = new(null, (0x8000, "MPOL_F_STATIC_NODES"), (0x4000, "MPOL_F_RELATIVE_NODES"), (0x2000, "MPOL_F_NUMA_BALANCING"));
}
