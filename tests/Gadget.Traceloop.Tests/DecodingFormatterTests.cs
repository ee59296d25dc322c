using System.Buffers;
using System.Text;
using System.Text.Json;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>Focused formatting cases strace cannot be asked about directly (records that never returned, restart codes, partial captures), and the API's plumbing.</summary>
public class DecodingFormatterTests
{
    private static readonly SyscallCatalog X86 = new(SyscallTable.X86_64, SyscallSignatureProvider.Shared);
    private static readonly SyscallFormatter Formatter = new(catalog: X86);

    private static SyscallRecord Record(string name, ulong[] arguments, long? returnValue, params CapturedArgument[] captured) => new()
    {
        TimestampNs = 1_234_567_891_000,
        ExitTimestampNs = returnValue is null ? null : 1_234_567_892_000,
        Cpu = 1,
        ProcessId = 42,
        ThreadId = 43,
        Command = "cat",
        Number = SyscallTable.X86_64.GetNumber(name),
        Arguments = [.. arguments, .. new ulong[6 - arguments.Length]],
        ReturnValue = returnValue,
        Captured = captured,
    };

    private static CapturedArgument Text(int index, string text, CaptureStatus status = CaptureStatus.Complete) => new(index, Encoding.UTF8.GetBytes(text), status);

    [Fact]
    public void SyscallsThatNeverReturnedEndWithAQuestionMark()
    {
        Assert.Equal("exit_group(0) = ?", Formatter.Format(Record("exit_group", [0], null)));
        Assert.Equal("read(0, 0x7ffd0000, 4096) = ?", Formatter.Format(Record("read", [0, 0x7ffd0000, 4096], null)));
    }

    [Fact]
    public void RestartCodesPrintLikeStrace()
    {
        Assert.Equal("pause() = ? ERESTARTNOHAND (To be restarted if no handler)", Formatter.Format(Record("pause", [], -514)));
        Assert.Equal("wait4(-1, 0x7ffd0000, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)", Formatter.Format(Record("wait4", [ulong.MaxValue, 0x7ffd0000, 0, 0], -512)));
    }

    [Fact]
    public void PartialAndMissingCapturesShowWhatIsKnown()
    {
        // A path cut by the capture limit: strace's ellipsis after the quote.
        Assert.Equal("openat(AT_FDCWD, \"/very/long\"..., O_RDONLY) = -1 ENOENT (No such file or directory)",
            Formatter.Format(Record("openat", [unchecked((ulong)-100), 0x1000, 0], -2, Text(1, "/very/long", CaptureStatus.Truncated))));
        // Unreadable memory, or nothing captured: the address.
        Assert.Equal("openat(AT_FDCWD, 0x1000, O_RDONLY) = 3", Formatter.Format(Record("openat", [unchecked((ulong)-100), 0x1000, 0], 3, new CapturedArgument(1, default, CaptureStatus.Unreadable))));
        Assert.Equal("write(1, 0x1000, 6) = 6", Formatter.Format(Record("write", [1, 0x1000, 6], 6)));
        // A buffer captured shorter than the call's length (capture limit below the string limit) still says it was cut.
        Assert.Equal("write(1, \"hel\"..., 6) = 6", Formatter.Format(Record("write", [1, 0x1000, 6], 6, Text(1, "hel", CaptureStatus.Truncated))));
        // A failed read shows the buffer's address, as strace does.
        Assert.Equal("read(3, 0x1000, 10) = -1 EAGAIN (Resource temporarily unavailable)", Formatter.Format(Record("read", [3, 0x1000, 10], -11)));
    }

    [Theory]
    [InlineData(0u, 0x12L, "umask(000) = 022")]
    [InlineData(0x12u, 0L, "umask(022) = 000")]
    [InlineData(0x1ffu, 0x3fL, "umask(0777) = 077")]
    public void UmaskPrintsItsMaskAndTheOldOneAsStraceDoes(uint mask, long previous, string expected) =>
        Assert.Equal(expected, Formatter.Format(Record("umask", [mask], previous)));

    [Fact]
    public void StringLimitIsConfigurable()
    {
        var record = Record("write", [1, 0x1000, 11], 11, Text(1, "hello world"));
        Assert.Equal("write(1, \"hello\"..., 11) = 11", new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 5 }, X86).Format(record));
        Assert.Equal("write(1, \"hello world\", 11) = 11", new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 11 }, X86).Format(record));
        Assert.Equal("write(1, \"\"..., 11) = 11", new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 0 }, X86).Format(record));
    }

    [Fact]
    public void UnknownSyscallsPrintSixHexArguments()
    {
        var record = Record("read", [1, 2, 3, 0, 0, 0xffff], -38) ;
        var unknown = new SyscallRecord { TimestampNs = 1, Cpu = 0, ProcessId = 1, ThreadId = 1, Command = "x", Number = 0x1c3 + 100, Arguments = record.Arguments, ReturnValue = -38 };
        Assert.Equal("syscall_0x227(0x1, 0x2, 0x3, 0, 0, 0xffff) = -1 ENOSYS (Function not implemented)", Formatter.Format(unknown));
    }

    [Fact]
    public void CloneNamesItsArgumentsLikeStrace()
    {
        // As strace prints sh's fork: clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f52fea4aa10) = 8281
        var fork = Record("clone", [0x01200011, 0, 0, 0x7f52fea4aa10, 0], 8281);
        Assert.Equal("clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f52fea4aa10) = 8281", Formatter.Format(fork));
    }

    [Fact]
    public void PrefixesShowTimeAndThread()
    {
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { IncludeThreadId = true, IncludeTimestamp = true }, X86);
        Assert.Equal("1234.567891 [pid 43] close(3) = 0", formatter.Format(Record("close", [3], 0)));
    }

    [Fact]
    public void Arm64RecordsUseArm64NumbersAndFlags()
    {
        var arm = new SyscallFormatter(catalog: new SyscallCatalog(SyscallTable.Arm64, SyscallSignatureProvider.Shared));
        var record = new SyscallRecord
        {
            TimestampNs = 1, Cpu = 0, ProcessId = 1, ThreadId = 1, Command = "ls",
            Number = SyscallTable.Arm64.GetNumber("openat"),
            // O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY with arm64's O_DIRECTORY (040000).
            Arguments = [unchecked((ulong)-100), 0x1000, 0x80000 | 0x800 | 0x4000, 0, 0, 0],
            ReturnValue = 3,
            Captured = [Text(1, ".")],
        };
        Assert.Equal("openat(AT_FDCWD, \".\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3", arm.Format(record));
    }

    [Fact]
    public void AllOutputsAgree()
    {
        var record = Record("openat", [unchecked((ulong)-100), 0x1000, 0x80000], 3, Text(1, "/etc/hostname"));
        var builder = new StringBuilder("prefix ");
        Formatter.Format(record, builder);
        var writer = new ArrayBufferWriter<char>();
        Formatter.Format(record, writer);
        string line = Formatter.Format(record);
        Assert.Equal("openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY|O_CLOEXEC) = 3", line);
        Assert.Equal("prefix " + line, builder.ToString());
        Assert.Equal(line, new string(writer.WrittenSpan));
    }

    [Fact]
    public void FormattingIntoAReusedBuilderAllocatesNothing()
    {
        SyscallRecord[] records =
        [
            Record("openat", [unchecked((ulong)-100), 0x1000, 0x80000], 3, Text(1, "/etc/hostname")),
            Record("read", [3, 0x1000, 4096], 7, Text(1, "gadget\n")),
            Record("write", [1, 0x1000, 40], 40, Text(1, new string('x', 39) + "\u0001")),
            Record("mmap", [0, 8192, 3, 0x22, ulong.MaxValue, 0], 0x7f0000001000),
            Record("connect", [3, 0x1000, 16], -111, new CapturedArgument(1, new byte[] { 2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, CaptureStatus.Complete)),
            Record("prctl", [15, 0x1000, 0, 0, 0], 0, Text(1, "worker")),
            Record("prctl", [8, 0, 0, 0, 0], 1),
            Record("fadvise64", [3, 0, 0, 2], 0),
            Record("madvise", [0x7f0000000000, 4096, 4], 0),
            Record("futex", [0x1000, 129, 1, 0, 0, 0], 1),
            Record("ioctl", [1, 0x5401, 0x1000], 0),
            Record("ioctl", [1, 0xc010aa01, 0x1000], -25),
            Record("setsockopt", [3, 1, 13, 0x1000, 8], 0, new CapturedArgument(3, new byte[] { 1, 0, 0, 0, 5, 0, 0, 0 }, CaptureStatus.Complete)),
            Record("setsockopt", [3, 0, 11, 0x1000, 4], 0, new CapturedArgument(3, new byte[] { 1, 0, 0, 0 }, CaptureStatus.Complete)),
            Record("socketpair", [1, 0x80001, 0, 0x1000], 0, new CapturedArgument(3, new byte[] { 3, 0, 0, 0, 4, 0, 0, 0 }, CaptureStatus.Complete)),
            Record("clock_gettime", [1, 0x1000], 0, new CapturedArgument(1, new byte[16], CaptureStatus.Complete)),
            Record("statx", [unchecked((ulong)-100), 0x1000, 0x900, 0x25e, 0x2000], -2, Text(1, "/nonexistent")),
            Record("set_mempolicy", [2 | 0x4000, 0, 0], -22),
            Record("clone", [0x01200011, 0, 0, 0x7f52fea4aa10, 0], 8281),
            Record("execve", [0x1000, 0x2000, 0], -2, Text(0, "/bin/x"), new CapturedArgument(1, "a\0b\0"u8.ToArray(), CaptureStatus.Truncated)),
            Record("exit_group", [0], null),
        ];
        var builder = new StringBuilder(1024);
        var timed = new SyscallFormatter(new SyscallFormatterOptions { IncludeTimestamp = true, IncludeThreadId = true, TimeOfDay = SyscallTimeOfDay.Microseconds, IncludeDuration = true }, X86);
        for (int warm = 0; warm < 3; warm++)
        {
            foreach (var record in records)
            {
                builder.Clear();
                Formatter.Format(record, builder);
                timed.Format(record, builder);
            }
        }
        var perRecord = new List<string>();
        foreach (var record in records)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                builder.Clear();
                Formatter.Format(record, builder);
                timed.Format(record, builder);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated != 0)
            {
                perRecord.Add($"{SyscallTable.X86_64.GetName(record.Number)}: {allocated / 100} bytes per call");
            }
        }
        Assert.True(perRecord.Count == 0, string.Join("\n", perRecord));
    }

    [Fact]
    public void JsonLinesCarryTheRenderedArgumentsAndRawReturn()
    {
        var json = new SyscallJsonFormatter(Formatter);
        var failed = Record("openat", [unchecked((ulong)-100), 0x1000, 0x80000], -2, Text(1, "/nonexistent\n"));
        var never = Record("exit_group", [1], null);
        var buffer = new ArrayBufferWriter<byte>();
        json.WriteLine(failed, buffer);
        json.WriteLine(never, buffer);
        var lines = Encoding.UTF8.GetString(buffer.WrittenSpan).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);

        using (var first = JsonDocument.Parse(lines[0]))
        {
            var root = first.RootElement;
            Assert.Equal(1_234_567_891_000UL, root.GetProperty("timestamp_ns").GetUInt64());
            Assert.Equal(42, root.GetProperty("pid").GetInt32());
            Assert.Equal(43, root.GetProperty("tid").GetInt32());
            Assert.Equal("cat", root.GetProperty("comm").GetString());
            Assert.Equal("openat", root.GetProperty("name").GetString());
            Assert.Equal(["AT_FDCWD", "\"/nonexistent\\n\"", "O_RDONLY|O_CLOEXEC"], root.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray());
            Assert.Equal(-2, root.GetProperty("return").GetInt64());
            Assert.Equal("ENOENT", root.GetProperty("errno").GetString());
            Assert.Equal("-1 ENOENT (No such file or directory)", root.GetProperty("return_text").GetString());
        }
        using (var second = JsonDocument.Parse(lines[1]))
        {
            var root = second.RootElement;
            Assert.Equal(JsonValueKind.Null, root.GetProperty("return").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("exit_timestamp_ns").ValueKind);
            Assert.Equal(["1"], root.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray());
        }
        Assert.Equal(lines[0], json.Format(failed));
    }

    [Fact]
    public void JsonArgumentsAreTheTextArguments()
    {
        // The families whose printed arguments are not the registers one to one: JSON shows what the line shows.
        var json = new SyscallJsonFormatter(Formatter);
        string[] Args(SyscallRecord record)
        {
            using var document = JsonDocument.Parse(json.Format(record));
            return document.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray();
        }
        Assert.Equal(["3", "F_SETFD", "FD_CLOEXEC"], Args(Record("fcntl", [3, 2, 1], 0)));
        Assert.Equal(["3", "F_GETFD"], Args(Record("fcntl", [3, 1, 0], 1)));
        Assert.Equal(["1", "TCGETS", "0x7ffd0000"], Args(Record("ioctl", [1, 0x5401, 0x7ffd0000], 0)));
        Assert.Equal(["0x7f0000001000", "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME", "0", "NULL", "FUTEX_BITSET_MATCH_ANY"],
            Args(Record("futex", [0x7f0000001000, 0x189, 0, 0, 0, 0xffffffff], -11)));
        Assert.Equal(["PR_SET_NO_NEW_PRIVS", "1", "0", "0", "0"], Args(Record("prctl", [38, 1], 0)));
        Assert.Equal(["child_stack=NULL", "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", "child_tidptr=0x7f52fea4aa10"],
            Args(Record("clone", [0x01200011, 0, 0, 0x7f52fea4aa10, 0], 8281)));
        Assert.Equal(["AT_FDCWD", "\"/tmp\"", "O_RDONLY"], Args(Record("openat", [unchecked((ulong)-100), 0x1000, 0, 0644], 3, Text(1, "/tmp"))));
        foreach (var record in new[] { Record("fcntl", [3, 3, 0], 0x8002), Record("prctl", [3], 1), Record("clone", [0x11, 0, 0, 0, 0], 5) })
        {
            Assert.Null(DecodingJsonAgreement.Disagreement(json, record));
        }
        // A fork-like clone with only the exit signal: strace's flags=SIGCHLD.
        Assert.Equal("clone(child_stack=NULL, flags=SIGCHLD) = 5", Formatter.Format(Record("clone", [0x11, 0, 0, 0, 0], 5)));
    }

    [Fact]
    public void EveryDeclaredSyscallHasADecoderItsRendererPrints()
    {
        // Building a decoder checks that its family renders each of its formats.
        foreach (var table in new[] { SyscallTable.X86_64, SyscallTable.Arm64 })
        {
            var catalog = new SyscallCatalog(table, SyscallSignatureProvider.Shared);
            int built = 0;
            foreach (var name in DecoderTable.ExplicitNames)
            {
                if (table.TryGetNumber(name, out int number))
                {
                    Assert.NotNull(catalog.GetCaptureSpecs(number));
                    built++;
                }
            }
            Assert.True(built > 80, $"{built} explicit decoders on {table.Architecture}");
        }
    }

    [Fact]
    public void ErrnoAndSignalNamesMatchTheCLibrary()
    {
        // glibc's strerror (through Python, independent of our generated table) for every errno we name.
        var script = "import os, errno\nfor n in sorted(errno.errorcode): print(n, errno.errorcode[n], os.strerror(n), sep='\\t')";
        var output = DecodingStraceOracle.RunProcess("python3", $"-c \"{script.Replace("\"", "\\\"")}\"");
        int checkedCount = 0;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            int number = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(parts[2], ErrnoNames.GetDescription(number));
            Assert.NotNull(ErrnoNames.GetName(number));
            checkedCount++;
        }
        Assert.True(checkedCount > 100);
        Assert.Equal("SIGSEGV", SignalNames.GetName(11));
        Assert.Equal("SIGRTMIN", SignalNames.GetName(32));
        Assert.Null(SignalNames.GetName(0));
    }

    [Fact]
    public void PrctlNamesItsOptionsAndArguments()
    {
        // The task name is captured as a 16-byte buffer read at exit: up to its NUL.
        byte[] name = [.. Encoding.ASCII.GetBytes("worker"), 0, .. Encoding.ASCII.GetBytes("garbage!!")];
        Assert.Equal("prctl(PR_SET_NAME, \"worker\") = 0", Formatter.Format(Record("prctl", [15, 0x7ffd0000], 0, new CapturedArgument(1, name, CaptureStatus.Complete))));
        Assert.Equal("prctl(PR_GET_NAME, \"worker\") = 0", Formatter.Format(Record("prctl", [16, 0x7ffd0000], 0, new CapturedArgument(1, name, CaptureStatus.Complete))));
        // PR_SET_NAME reads at most 15 characters; a failed PR_GET_NAME shows the address.
        var longName = Encoding.ASCII.GetBytes("abcdefghijklmnopq")[..16];
        Assert.Equal("prctl(PR_SET_NAME, \"abcdefghijklmno\"...) = 0", Formatter.Format(Record("prctl", [15, 0x7ffd0000], 0, new CapturedArgument(1, longName, CaptureStatus.Complete))));
        Assert.Equal("prctl(PR_GET_NAME, 0x1) = -1 EFAULT (Bad address)", Formatter.Format(Record("prctl", [16, 1], -14, new CapturedArgument(1, default, CaptureStatus.Unreadable))));
        Assert.Equal("prctl(PR_CAPBSET_READ, CAP_MAC_OVERRIDE) = 1", Formatter.Format(Record("prctl", [23, 32], 1)));
        Assert.Equal("prctl(PR_CAPBSET_READ, 0x30 /* CAP_??? */) = -1 EINVAL (Invalid argument)", Formatter.Format(Record("prctl", [23, 48], -22)));
        Assert.Equal("prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) = 0", Formatter.Format(Record("prctl", [47, 1, 0], 0)));
        Assert.Equal("prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) = 0", Formatter.Format(Record("prctl", [39], 0)));
        Assert.Equal("prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0", Formatter.Format(Record("prctl", [38, 1], 0)));
        Assert.Equal("prctl(PR_GET_SECUREBITS) = 0", Formatter.Format(Record("prctl", [27], 0)));
        Assert.Equal("prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)", Formatter.Format(Record("prctl", [3], 1)));
        Assert.Equal("prctl(PR_SET_PDEATHSIG, SIGKILL) = 0", Formatter.Format(Record("prctl", [1, 9], 0)));
        Assert.Equal("prctl(PR_GET_PDEATHSIG, [SIGTERM]) = 0", Formatter.Format(Record("prctl", [2, 0x7ffd0000], 0, new CapturedArgument(1, BitConverter.GetBytes(15), CaptureStatus.Complete))));
        Assert.Equal("prctl(0x1234 /* PR_??? */, 0x5, 0x6, 0x7, 0x8) = -1 EINVAL (Invalid argument)", Formatter.Format(Record("prctl", [0x1234, 5, 6, 7, 8], -22)));
        // The name buffer is what the BPF side reads (a 16-byte structure at exit).
        Assert.Equal(ArgumentCapture.StructOut, X86.GetCaptureSpecs(SyscallTable.X86_64.GetNumber("prctl"))[1].Kind);
    }

    [Fact]
    public void AdviceFutexAndTerminalIoctlsAreNamed()
    {
        Assert.Equal("fadvise64(3, 0, 0, POSIX_FADV_SEQUENTIAL) = 0", Formatter.Format(Record("fadvise64", [3, 0, 0, 2], 0)));
        Assert.Equal("fadvise64(0, 0, 0, POSIX_FADV_SEQUENTIAL) = -1 ESPIPE (Illegal seek)", Formatter.Format(Record("fadvise64", [0, 0, 0, 2], -29)));
        Assert.Equal("fadvise64(3, 10, 100, 0x9 /* POSIX_FADV_??? */) = -1 EINVAL (Invalid argument)", Formatter.Format(Record("fadvise64", [3, 10, 100, 9], -22)));
        Assert.Equal("madvise(0x7f0000000000, 8368128, MADV_DONTNEED) = 0", Formatter.Format(Record("madvise", [0x7f0000000000, 8368128, 4], 0)));
        Assert.Equal("futex(0x7f0000001000, FUTEX_WAKE_PRIVATE, 2147483647) = 0", Formatter.Format(Record("futex", [0x7f0000001000, 129, 2147483647, 0, 3, 0], 0)));
        Assert.Equal("futex(0x7f0000001000, FUTEX_WAIT_PRIVATE, 2, NULL) = -1 EAGAIN (Resource temporarily unavailable)", Formatter.Format(Record("futex", [0x7f0000001000, 128, 2, 0, 0, 0], -11)));
        Assert.Equal("futex(0x7f0000001000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY) = -1 EAGAIN (Resource temporarily unavailable)",
            Formatter.Format(Record("futex", [0x7f0000001000, 0x189, 0, 0, 0, 0xffffffff], -11)));
        Assert.Equal("ioctl(3, TCGETS, 0x7ffd0000) = -1 ENOTTY (Inappropriate ioctl for device)", Formatter.Format(Record("ioctl", [3, 0x5401, 0x7ffd0000], -25)));
    }
}
