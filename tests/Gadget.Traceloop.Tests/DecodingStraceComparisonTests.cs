using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// Real syscalls with chosen arguments, traced by strace; our formatter, fed the record traceloop would have made of each call
/// (raw registers, return value, memory the capture specs name), must print exactly strace's line.
/// </summary>
public class DecodingStraceComparisonTests
{
    private static readonly SyscallCatalog Catalog = new(SyscallTable.X86_64, SyscallSignatureProvider.Shared);

    private static readonly DecodingStraceOracle.Call[] Calls =
    [
        new("openat", "-100", "path(b'/etc/hostname')", "os.O_RDONLY | os.O_CLOEXEC"),                      // 0
        new("read", "R[0]", "out(4096)", "4096"),                                                            // 1
        new("read", "R[0]", "out(4096)", "4096"),                                                            // 2: EOF
        new("close", "R[0]"),                                                                                // 3
        new("close", "-1"),                                                                                  // 4
        new("openat", "-100", "path(b'/nonexistent/file')", "os.O_RDONLY"),                                  // 5
        new("openat", "-100", "path(TMP + b'/created')", "os.O_WRONLY | os.O_CREAT | os.O_TRUNC", "0o644"),  // 6
        new("write", "R[6]", "inbuf(b'hello\\n')", "6"),                                                     // 7
        new("write", "NULLFD", "inbuf(bytes(range(64)))", "64"),                                             // 8
        new("write", "NULLFD", "inbuf(b'a\"b\\\\c\\td\\x7f\\xff01\\x00\\x017\\r\\x0b\\x0c')", "17"),         // 9
        new("write", "NULLFD", "inbuf(b'x' * 32)", "32"),                                                    // 10
        new("write", "NULLFD", "inbuf(b'y' * 33)", "33"),                                                    // 11
        new("write", "NULLFD", "1", "5"),                                                                    // 12: unreadable buffer
        new("close", "R[6]"),                                                                                // 13
        new("open", "TMP + b'/created'", "0o2000000 | 0o100000 | 2"),                                        // 14: open via path(...) below
        new("access", "path(b'/etc/hostname')", "os.R_OK | os.W_OK"),                                        // 15
        new("access", "path(b'/nonexistent')", "os.F_OK"),                                                   // 16
        new("faccessat", "-100", "path(b'/etc')", "os.X_OK"),                                                // 17
        new("mmap", "0", "8192", "3", "0x22", "-1", "0"),                                                    // 18
        new("mprotect", "R[18]", "4096", "1"),                                                               // 19
        new("munmap", "R[18]", "8192"),                                                                      // 20
        new("mmap", "0", "4096", "1", "2", "NULLFD", "0x1000"),                                              // 21: ENODEV
        new("socket", "2", "1 | 0o2000000", "0"),                                                            // 22
        new("connect", "R[22]", "sa_in('127.0.0.1', 1)", "16"),                                              // 23: ECONNREFUSED
        new("socket", "10", "2", "17"),                                                                      // 24
        new("connect", "R[24]", "sa_in6('::1', 53)", "28"),                                                  // 25
        new("sendto", "R[24]", "inbuf(b'ping')", "4", "0x40", "sa_in6('::ffff:127.0.0.1', 9)", "28"),        // 26
        new("socket", "1", "1", "0"),                                                                        // 27
        new("connect", "R[27]", "sa_un(b'/nonexistent/socket\\0')", "22"),                                   // 28
        new("connect", "R[27]", "sa_un(b'\\0traceloop-oracle')", "19"),                                      // 29
        new("bind", "R[27]", "sa_un(TMP + b'/sock\\0')", "2 + len(TMP) + 6"),                                // 30
        new("kill", "0x7ffffff0", "15"),                                                                     // 31
        new("kill", "0x7ffffff0", "0"),                                                                      // 32
        new("tgkill", "os.getpid()", "0x7ffffff0", "35"),                                                    // 33
        new("pipe2", "out(8)", "os.O_CLOEXEC"),                                                              // 34
        new("pipe2", "1", "0"),                                                                              // 35
        new("getcwd", "out(4096)", "4096"),                                                                  // 36
        new("readlink", "path(b'/proc/self/exe')", "out(4096)", "4096"),                                     // 37
        new("lseek", "NULLFD", "0", "2"),                                                                    // 38
        new("mkdir", "path(TMP + b'/dir')", "0o755"),                                                        // 39
        new("unlinkat", "-100", "path(TMP + b'/dir')", "0x200"),                                             // 40
        new("unlinkat", "-100", "path(TMP + b'/created')", "0"),                                             // 41
        new("execve", "path(b'/nonexistent/program')", "argv([b'program', b'--flag', b'a\\tb'])", "0"),      // 42
        new("getpid"),                                                                                       // 43
        new("read", "-1", "0", "10"),                                                                        // 44
        new("openat", "-100", "1", "0"),                                                                     // 45: unreadable path
        new("dup3", "NULLFD", "100", "os.O_CLOEXEC"),                                                        // 46
        new("dup2", "NULLFD", "101"),                                                                        // 47
        new("close", "100"),                                                                                 // 48
        new("close", "101"),                                                                                 // 49
        new("getrandom", "out(8)", "8", "1"),                                                                // 50
        new("rename", "path(b'/nonexistent/a')", "path(b'/nonexistent/b')"),                                 // 51
        new("chdir", "path(b'/nonexistent/dir')"),                                                           // 52
        new("unused", "1", "2", "3", "0", "0", "0") { Number = 500 },                                        // 53: unknown syscall
        new("mmap", "0", "4096", "0", "0x100022 | (21 << 26)", "-1", "0"),                                   // 54: hugetlb size bits
        new("openat", "-100", "path(b'/nonexistent/\\xe9t\\xe9')", "0o20200000 | 2", "0o600"),               // 55: O_TMPFILE
        new("rt_sigprocmask", "1", "0", "0", "8"),                                                           // 56
        new("wait4", "os.spawnv(os.P_NOWAIT, '/bin/sh', ['sh', '-c', 'exit 3'])", "out(4)", "0", "0"),        // 57
        new("wait4", "os.spawnv(os.P_NOWAIT, '/bin/sh', ['sh', '-c', 'kill -TERM $$'])", "out(4)", "0", "0"), // 58
        new("wait4", "-1", "out(4)", "1", "0"),                                                              // 59: ECHILD
        new("mremap", "0", "4096", "8192", "1", "0"),                                                        // 60: EINVAL
        new("fcntl", "NULLFD", "1030", "20"),                                                                // 61: F_DUPFD_CLOEXEC
        new("fcntl", "R[61]", "1", "0"),                                                                     // 62: F_GETFD
        new("fcntl", "R[61]", "2", "0"),                                                                     // 63: F_SETFD 0
        new("fcntl", "R[61]", "1", "0"),                                                                     // 64: F_GETFD = 0
        new("fcntl", "R[61]", "4", "os.O_RDWR | os.O_NONBLOCK"),                                             // 65: F_SETFL
        new("fcntl", "R[61]", "3", "0"),                                                                     // 66: F_GETFL
        new("fcntl", "R[61]", "1025", "0"),                                                                  // 67: F_GETLEASE
        new("fcntl", "R[61]", "5", "0"),                                                                     // 68: F_GETLK NULL
        new("fcntl", "R[61]", "99", "5"),                                                                    // 69: unknown
        new("close", "R[61]"),                                                                               // 70
        new("prctl", "15", "path(b'oracle-name')", "0", "0", "0"),                                           // 71: PR_SET_NAME
        new("prctl", "16", "out(16)", "0", "0", "0"),                                                        // 72: PR_GET_NAME
        new("prctl", "15", "path(b'a-name-longer-than-15')", "0", "0", "0"),                                 // 73: cut by the kernel
        new("prctl", "16", "1", "0", "0", "0"),                                                              // 74: EFAULT
        new("prctl", "23", "32", "0", "0", "0"),                                                             // 75: PR_CAPBSET_READ
        new("prctl", "23", "48", "0", "0", "0"),                                                             // 76: unknown capability
        new("prctl", "47", "1", "0", "0", "0"),                                                              // 77: PR_CAP_AMBIENT
        new("prctl", "39", "0", "0", "0", "0"),                                                              // 78: PR_GET_NO_NEW_PRIVS
        new("prctl", "27", "0", "0", "0", "0"),                                                              // 79: PR_GET_SECUREBITS
        new("prctl", "3", "0", "0", "0", "0"),                                                               // 80: PR_GET_DUMPABLE
        new("prctl", "4", "1", "0", "0", "0"),                                                               // 81: PR_SET_DUMPABLE
        new("prctl", "1", "0", "0", "0", "0"),                                                               // 82: PR_SET_PDEATHSIG
        new("prctl", "2", "out(4)", "0", "0", "0"),                                                          // 83: PR_GET_PDEATHSIG
        new("prctl", "36", "0", "0", "0", "0"),                                                              // 84: PR_SET_CHILD_SUBREAPER
        new("prctl", "37", "out(4)", "0", "0", "0"),                                                         // 85: PR_GET_CHILD_SUBREAPER
        new("prctl", "8", "0", "0", "0", "0"),                                                               // 86: PR_SET_KEEPCAPS
        new("prctl", "21", "0", "0", "0", "0"),                                                              // 87: PR_GET_SECCOMP
        new("prctl", "0x1234", "5", "6", "7", "8"),                                                          // 88: unknown option
        new("prctl", "38", "1", "0", "0", "0"),                                                              // 89: PR_SET_NO_NEW_PRIVS
        new("fadvise64", "NULLFD", "0", "0", "2"),                                                           // 90
        new("fadvise64", "NULLFD", "10", "100", "4"),                                                        // 91
        new("fadvise64", "NULLFD", "0", "0", "9"),                                                           // 92: EINVAL
        new("madvise", "R[18]", "4096", "4"),                                                                // 93: unmapped: ENOMEM
        new("futex", "inbuf(b'\\0' * 4)", "0x81", "1", "0", "0", "0"),                                      // 94: FUTEX_WAKE_PRIVATE
        new("futex", "inbuf(b'\\0' * 4)", "0x80", "1", "0", "0", "0"),                                      // 95: FUTEX_WAIT_PRIVATE, EAGAIN
        new("futex", "inbuf(b'\\0' * 4)", "0x189", "1", "0", "0", "0xffffffff"),                            // 96: WAIT_BITSET, EAGAIN
        new("futex", "inbuf(b'\\0' * 4)", "1", "5", "0", "0", "0"),                                         // 97: FUTEX_WAKE
        new("ioctl", "NULLFD", "0x5401", "out(64)"),                                                         // 98: TCGETS, ENOTTY
        new("ioctl", "NULLFD", "0x5413", "out(8)"),                                                          // 99: TIOCGWINSZ, ENOTTY
        new("socketpair", "1", "1", "0", "out(8)"),                                                          // 100
        new("socketpair", "1", "2 | 0o2000000", "0", "out(8)"),                                              // 101
        new("socket", "16", "3 | 0o2000000", "0"),                                                           // 102: NETLINK_ROUTE
        new("socket", "16", "3", "9"),                                                                       // 103: NETLINK_AUDIT
        new("socket", "2", "1", "0"),                                                                        // 104
        new("setsockopt", "R[104]", "0", "11", "inbuf(struct.pack('i', 1))", "4"),                           // 105: SOL_IP, IP_RECVERR
        new("setsockopt", "R[104]", "1", "2", "inbuf(struct.pack('i', 1))", "4"),                            // 106: SO_REUSEADDR
        new("setsockopt", "R[104]", "6", "1", "inbuf(struct.pack('i', 1))", "4"),                            // 107: TCP_NODELAY
        new("setsockopt", "R[104]", "1", "13", "inbuf(struct.pack('ii', 1, 5))", "8"),                       // 108: SO_LINGER
        new("setsockopt", "R[104]", "0x63", "5", "inbuf(struct.pack('i', 1))", "4"),                         // 109: unknown level
        new("setsockopt", "R[104]", "1", "999", "inbuf(struct.pack('i', 1))", "4"),                          // 110: unknown option
        new("setsockopt", "R[104]", "1", "2", "0", "4"),                                                     // 111: EFAULT
        new("socket", "10", "2", "0"),                                                                       // 112
        new("setsockopt", "R[112]", "41", "26", "inbuf(struct.pack('i', 1))", "4"),                          // 113: IPV6_V6ONLY
        new("clock_gettime", "1", "out(16)"),                                                                // 114
        new("clock_getres", "0", "out(16)"),                                                                 // 115
        new("clock_gettime", "0x7ff", "out(16)"),                                                            // 116: EINVAL
        new("clock_getres", "7", "0"),                                                                       // 117
        new("epoll_create1", "0o2000000"),                                                                   // 118
        new("epoll_ctl", "R[118]", "2", "NULLFD", "0"),                                                      // 119: EPOLL_CTL_DEL
        new("epoll_ctl", "R[118]", "9", "NULLFD", "0"),                                                      // 120: unknown op
        new("statx", "-100", "path(b'/nonexistent')", "0", "0x7ff", "out(256)"),                             // 121
        new("statx", "-100", "path(b'/nonexistent')", "0x900", "0xfff", "out(256)"),                         // 122
        new("statx", "-100", "path(b'/nonexistent')", "0x2000", "0x80000000", "out(256)"),                   // 123: EINVAL
        new("statx", "-100", "path(b'/nonexistent')", "0", "0x25e", "out(256)"),                             // 124
        new("statx", "-100", "path(b'/nonexistent')", "0x4000", "0x17ff", "out(256)"),                       // 125
        new("set_mempolicy", "0", "0", "0"),                                                                 // 126: MPOL_DEFAULT
        new("set_mempolicy", "1 | 0x8000", "0", "0"),                                                        // 127: EINVAL
        new("set_mempolicy", "9", "0", "0"),                                                                 // 128: unknown mode
        new("ioctl", "NULLFD", "0x541b", "out(4)"),                                                          // 129: FIONREAD, ENOTTY
        new("ioctl", "NULLFD", "0xc010aa01", "out(16)"),                                                     // 130: _IOC
        new("ioctl", "NULLFD", "0xaa01", "0"),                                                               // 131: _IOC_NONE
        new("ioctl", "NULLFD", "0x5451", "0"),                                                               // 132: FIOCLEX
        new("capget", "0", "0"),                                                                             // 133: pointer typedefs
        new("capget", "1", "2"),                                                                             // 134
        new("capset", "1", "2"),                                                                             // 135
        new("rt_sigaction", "10", "0", "out(32)", "8"),                                                      // 136: SIGUSR1, old only
        new("rt_sigaction", "10", "inbuf(struct.pack('<QQQQ', 0x1234, 0xdc000007, 0x5678, (1 << 1) | (1 << 16) | (1 << 31) | (1 << 32) | (1 << 63)))", "out(32)", "8"), // 137: every flag
        new("rt_sigaction", "10", "inbuf(struct.pack('<QQQQ', 1, 0x608, 0, 0xffffffff7fffffff & ~(1 << 32)))", "0", "8"),   // 138: SIG_IGN, unknown flags, ~[...]
        new("rt_sigaction", "10", "inbuf(struct.pack('<QQQQ', 0, 0x04000000, 0x42, 0xffffffffffffffff))", "out(32)", "8"), // 139: ~[]
        new("rt_sigaction", "10", "1", "0", "8"),                                                            // 140: EFAULT
        new("rt_sigprocmask", "0", "inbuf(struct.pack('<Q', (1 << 16) | (1 << 1) | (1 << 14)))", "out(8)", "8"), // 141: SIG_BLOCK [INT TERM CHLD]
        new("rt_sigprocmask", "2", "inbuf(struct.pack('<Q', 0))", "out(8)", "8"),                            // 142: SIG_SETMASK []
        new("rt_sigprocmask", "0", "inbuf(struct.pack('<Q', 0xfffffffe7fffffff))", "0", "8"),                // 143: ~[RTMIN RT_1]
        new("rt_sigprocmask", "2", "out(8)", "0", "8"),                                                      // 144
        new("prlimit64", "0", "7", "0", "out(16)"),                                                          // 145: RLIMIT_NOFILE
        new("prlimit64", "0", "4", "inbuf(struct.pack('<QQ', 1024 * 1024, 0xffffffffffffffff))", "out(16)"), // 146: RLIMIT_CORE
        new("prlimit64", "0", "4", "inbuf(struct.pack('<QQ', 1024, 1025))", "0"),                            // 147
        new("prlimit64", "0", "4", "inbuf(struct.pack('<QQ', 0, 2048))", "0"),                               // 148
        new("prlimit64", "0", "3", "0", "1"),                                                                // 149: EFAULT
        new("statx", "-100", "path(b'/etc/hostname')", "0", "0xfff", "out(256)"),                            // 150
        new("statx", "-100", "path(b'/dev/null')", "0x100", "0x7ff", "out(256)"),                            // 151: S_IFCHR
        new("statx", "-100", "path(b'/tmp')", "0x100", "0x1", "out(256)"),                                   // 152: S_ISVTX
        new("statx", "-100", "path(b'/')", "0", "0x7ff", "out(256)"),                                        // 153: STATX_ATTR_MOUNT_ROOT
        new("statx", "NULLFD", "path(b'')", "0x1000", "0x7ff", "out(256)"),                                  // 154: AT_EMPTY_PATH
        new("uname", "out(390)"),                                                                            // 155
        new("sysinfo", "out(112)"),                                                                          // 156
        new("uname", "1"),                                                                                   // 157: EFAULT
        new("poll", "inbuf(struct.pack('<ihhihh', PR, 1 | 2, 0, PW, 4 | 8 | 0x2000, 0))", "2", "0"),         // 158: writable
        new("poll", "inbuf(struct.pack('<ihh', 0x7fff, 1, 0))", "1", "0"),                                  // 159: POLLNVAL
        new("poll", "inbuf(struct.pack('<ihh', PR, 1, 0))", "1", "0"),                                       // 160: Timeout
        new("ppoll", "inbuf(struct.pack('<ihh', PW, 4, 0))", "1", "0", "inbuf(struct.pack('<Q', 1 << 16))", "8"), // 161: no timeout
        new("poll", "0", "0", "0"),                                                                          // 162: []? NULL
        new("clock_nanosleep", "1", "0", "inbuf(struct.pack('<qq', 0, 1000))", "0"),                         // 163
        new("clock_nanosleep", "0", "1", "inbuf(struct.pack('<qq', 0, 0))", "out(16)"),                      // 164: TIMER_ABSTIME, in the past
        new("nanosleep", "inbuf(struct.pack('<qq', 0, 1))", "0"),                                            // 165
        new("getdents64", "os.open(b'/etc', os.O_RDONLY | os.O_DIRECTORY)", "out(1024)", "1024"),           // 166
        new("getdents64", "NULLFD", "out(1024)", "1024"),                                                    // 167: ENOTDIR
        new("writev", "PW", "iov([b'ab', b'cd\\n'])", "2"),                                                // 168
        new("readv", "PR", "iovout([3, 10])", "2"),                                                          // 169: "abcd\n" split
        new("writev", "NULLFD", "iov([b'x' * 40, b'', b'y'])", "3"),                                         // 170: cut at the limit
        new("writev", "NULLFD", "1", "2"),                                                                   // 171: EFAULT
        new("execve", "path(b'/nonexistent/program')", "argv([b'program'])", "argv([b'A=1', b'B=2'])"),      // 172: /* 2 vars */
        new("futex", "inbuf(b'\\0' * 4)", "0x80", "1", "inbuf(struct.pack('<qq', 0, 1000))", "0", "0"),   // 173: FUTEX_WAIT timeout
        new("futex", "inbuf(b'\\0' * 4)", "0x189", "1", "inbuf(struct.pack('<qq', 5, 6))", "0", "0xffffffff"), // 174: WAIT_BITSET timeout
        new("getsockname", "R[104]", "out(128)", "inbuf(struct.pack('<I', 128))"),                          // 175: [128 => 16]
        new("getpeername", "R[104]", "out(128)", "inbuf(struct.pack('<I', 16))"),                           // 176: ENOTCONN, [16]
        new("accept4", "R[104]", "out(16)", "inbuf(struct.pack('<I', 16))", "0o2000000 | 0o4000"),         // 177: EINVAL
        new("recvfrom", "R[104]", "out(16)", "16", "0x40", "0", "0"),                                        // 178: NULL, NULL
        new("getsockname", "R[27]", "out(128)", "inbuf(struct.pack('<I', 128))"),                           // 179: AF_UNIX bound
        new("openat", "-100", "path(b'/nonexistent/' + b'q' * 300)", "0"),                                // 180: longer than 255 bytes
    ];

    public static TheoryData<int> Limits => new() { 32, 8, 1, 0 };

    [Theory]
    [MemberData(nameof(Limits))]
    public void FormatterPrintsWhatStracePrints(int stringLimit)
    {
        var calls = Calls.Select(c => c.Name == "open" ? c with { Arguments = ["path(" + c.Arguments[0] + ")", .. c.Arguments[1..]] } : c).ToArray();
        var results = DecodingStraceOracle.Run(calls, stringLimit);
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { StringLimit = stringLimit }, Catalog);
        var json = new SyscallJsonFormatter(formatter);
        var mismatches = new List<string>();
        var disagreements = new List<string>();
        foreach (var result in results)
        {
            var record = DecodingStraceOracle.ToRecord(result, Catalog);
            string ours = formatter.Format(record);
            if (ours != result.StraceLine)
            {
                mismatches.Add($"strace: {result.StraceLine}\nours:   {ours}");
            }
            if (DecodingJsonAgreement.Disagreement(json, record) is { } disagreement)
            {
                disagreements.Add(disagreement);
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {results.Count} lines differ:\n" + string.Join("\n", mismatches));
        Assert.True(disagreements.Count == 0, $"JSON and text disagree on {disagreements.Count} of {results.Count} calls:\n" + string.Join("\n", disagreements));
    }
}
