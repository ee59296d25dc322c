namespace Gadget.Traceloop.Decoding;

/// <summary>How one syscall argument is printed (strace's decoders, reduced to what traceloop needs).</summary>
internal enum ArgumentFormat : byte
{
    /// <summary>Signed 32-bit decimal.</summary>
    Int,
    /// <summary>Unsigned 32-bit decimal.</summary>
    UInt,
    /// <summary>Signed 64-bit decimal.</summary>
    Long,
    /// <summary>Unsigned 64-bit decimal.</summary>
    ULong,
    /// <summary>Hexadecimal (<c>0</c> for zero).</summary>
    Hex,
    /// <summary>An address: <c>NULL</c> or hexadecimal.</summary>
    Pointer,
    /// <summary>A file descriptor (signed 32-bit decimal).</summary>
    Fd,
    /// <summary>A directory file descriptor (<c>AT_FDCWD</c> or decimal).</summary>
    DirFd,
    /// <summary>A path read at entry, printed whole.</summary>
    Path,
    /// <summary>A NUL-terminated string read at entry, printed up to the string limit.</summary>
    String,
    /// <summary>A buffer read at entry, its length in another argument.</summary>
    BufferIn,
    /// <summary>A buffer filled by the kernel, its length the return value.</summary>
    BufferOut,
    /// <summary>Like <see cref="BufferOut"/>, always hex-escaped (getrandom).</summary>
    BufferOutHex,
    /// <summary>A path filled by the kernel (getcwd), its length the return value.</summary>
    PathOut,
    /// <summary>A socket address read at entry, its length in another argument.</summary>
    Sockaddr,
    /// <summary>open(2) flags.</summary>
    OpenFlags,
    /// <summary>open(2) mode: printed only when the flags argument before it has O_CREAT or O_TMPFILE.</summary>
    OpenMode,
    /// <summary>A file mode in octal.</summary>
    Mode,
    /// <summary>umask(2)'s mask, as strace's <c>%#03o</c> (<c>000</c>, <c>022</c>, <c>0777</c>); umask also returns one.</summary>
    UmaskMode,
    /// <summary>access(2) mode.</summary>
    AccessMode,
    /// <summary>PROT_* bits.</summary>
    Protection,
    /// <summary>mmap(2) flags.</summary>
    MapFlags,
    /// <summary>A signal number.</summary>
    Signal,
    /// <summary>AT_* flags.</summary>
    AtFlags,
    /// <summary>faccessat2's AT_* flags.</summary>
    AccessAtFlags,
    /// <summary>Two fds written by pipe/pipe2.</summary>
    PipeFds,
    /// <summary>A NULL-terminated array of strings (execve's argv).</summary>
    StringArray,
    /// <summary>lseek's whence.</summary>
    Whence,
    /// <summary>An address family.</summary>
    AddressFamily,
    /// <summary>socket(2)'s type and flags.</summary>
    SocketType,
    /// <summary>socket(2)'s protocol (named for AF_INET and AF_INET6).</summary>
    SocketProtocol,
    /// <summary>MSG_* flags.</summary>
    MessageFlags,
    /// <summary>O_CLOEXEC-style flags of pipe2 and dup3.</summary>
    PipeFlags,
    /// <summary>arch_prctl's code.</summary>
    ArchPrctlCode,
    /// <summary>getrandom's flags.</summary>
    RandomFlags,
    /// <summary>An RLIMIT_* resource.</summary>
    Resource,
    /// <summary>rt_sigprocmask's how.</summary>
    SigprocmaskHow,
    /// <summary>clone(2)'s flags (exit signal in the low byte).</summary>
    CloneFlags,
    /// <summary>mremap's flags.</summary>
    RemapFlags,
    /// <summary>mremap's new address: printed only when the flags before it have MREMAP_FIXED.</summary>
    RemapAddress,
    /// <summary>A wait status written by wait4 (4 bytes read at exit).</summary>
    WaitStatus,
    /// <summary>wait4's options.</summary>
    WaitOptions,
    /// <summary>A struct stat written by the stat family (read at exit).</summary>
    StatBuffer,
    /// <summary>posix_fadvise's advice.</summary>
    FadviseAdvice,
    /// <summary>madvise's advice.</summary>
    MadviseAdvice,
    /// <summary>prctl's second argument: a value, or a 16-byte buffer (PR_SET_NAME, PR_GET_NAME, PR_GET_PDEATHSIG) read at exit.</summary>
    PrctlArgument,
    /// <summary>A setsockopt level (SOL_*).</summary>
    SocketLevel,
    /// <summary>A setsockopt option name, named per the level before it (SO_*, IP_*, IPV6_*, TCP_*, UDP_*).</summary>
    SocketOptionName,
    /// <summary>A setsockopt value read at entry, its length in another argument (<c>[1]</c> for an int).</summary>
    SocketOptionValue,
    /// <summary>A clock id (CLOCK_*).</summary>
    ClockId,
    /// <summary>A struct timespec written by the kernel (read at exit).</summary>
    TimespecOut,
    /// <summary>epoll_ctl's operation.</summary>
    EpollOperation,
    /// <summary>epoll_create1's flags.</summary>
    EpollFlags,
    /// <summary>statx's AT_* flags, the sync type first.</summary>
    StatxFlags,
    /// <summary>statx's STATX_* mask.</summary>
    StatxMask,
    /// <summary>A memory policy mode with its MPOL_F_* flags.</summary>
    MemoryPolicy,
    /// <summary>A struct sigaction read at entry (rt_sigaction's act).</summary>
    SigactionIn,
    /// <summary>A struct sigaction written by the kernel (rt_sigaction's oldact).</summary>
    SigactionOut,
    /// <summary>A signal set read at entry (<c>[INT TERM]</c>, <c>~[RTMIN]</c>).</summary>
    SigsetIn,
    /// <summary>A signal set written by the kernel.</summary>
    SigsetOut,
    /// <summary>A struct rlimit read at entry.</summary>
    RlimitIn,
    /// <summary>A struct rlimit written by the kernel.</summary>
    RlimitOut,
    /// <summary>A struct timespec read at entry.</summary>
    TimespecIn,
    /// <summary>A struct statx written by the kernel.</summary>
    StatxBuffer,
    /// <summary>poll's pollfd array: the events at entry, the revents in the return value.</summary>
    PollFds,
    /// <summary>getdents64's buffer: its address and the number of entries the kernel wrote.</summary>
    DirentBuffer,
    /// <summary>A struct utsname written by uname (sysname and nodename).</summary>
    Utsname,
    /// <summary>A struct sysinfo written by sysinfo.</summary>
    Sysinfo,
    /// <summary>An iovec array read at entry, its count in another argument (writev).</summary>
    IovecIn,
    /// <summary>An iovec array the kernel filled, up to the return value (readv).</summary>
    IovecOut,
    /// <summary>clock_nanosleep's flags (TIMER_ABSTIME).</summary>
    TimerFlags,
    /// <summary>execve's environment: its address and how many variables it holds.</summary>
    Environment,
    /// <summary>A socket address the kernel writes (accept, getsockname, recvfrom), its length pointer in another argument.</summary>
    SockaddrOut,
    /// <summary>The length pointer of a <see cref="SockaddrOut"/>: <c>[16]</c>, or <c>[128 =&gt; 16]</c> when the kernel changed it.</summary>
    SocketLength,
    /// <summary>accept4's SOCK_* flags.</summary>
    AcceptFlags,
    /// <summary>A struct msghdr read at entry (sendmsg).</summary>
    MsghdrIn,
    /// <summary>A struct msghdr the kernel filled (recvmsg).</summary>
    MsghdrOut,
}
