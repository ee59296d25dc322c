using System.Globalization;
using System.Text.Json;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// 32-bit records (i386 on x86-64, AArch32 on arm64) and x32 numbers named from their own ABI's table, on records made
/// here: each record's number is looked up by the name the test expects back, so what is checked is that the record goes
/// to the right numbering (the tables themselves are checked against the headers in <see cref="Syscall32TableHeaderTests"/>).
/// </summary>
public sealed class DecodingCompat32Tests
{
    private const ulong Buffer = 0x804a000;

    private static readonly SyscallFormatter X86 = new(catalog: new SyscallCatalog(SyscallTable.X86_64, SyscallSignatureProvider.Shared));
    private static readonly SyscallFormatter Arm = new(catalog: new SyscallCatalog(SyscallTable.Arm64, SyscallSignatureProvider.Shared));

    public static TheoryData<SyscallArchitecture> TracedArchitectures => new() { SyscallArchitecture.X86_64, SyscallArchitecture.Arm64 };

    [Theory]
    [MemberData(nameof(TracedArchitectures))]
    public void A32BitWriteIsPrintedWithItsNameAndItsArgumentsAsNumbers(SyscallArchitecture traced)
    {
        var formatter = FormatterOf(traced);
        var compat = SyscallTable.For(traced).CompatTable!;
        int write = compat.GetNumber("write");
        var record = Record(write, is32Bit: true, [1, Buffer, 5, 0xdead, 0xbeef, 0xcafe], 5);

        Assert.Equal($"write(1, 0x{Buffer:x}, 5) = 5", formatter.Format(record));
        Assert.Equal("write", SyscallTable.For(traced).GetName(record));
        Assert.NotEqual("write", SyscallTable.For(traced).GetName(write));
        using var json = JsonDocument.Parse(new SyscallJsonFormatter(formatter).Format(record));
        Assert.Equal("write", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(write, json.RootElement.GetProperty("number").GetInt32());
        Assert.True(json.RootElement.GetProperty("is_32bit").GetBoolean());
        Assert.Equal(["1", $"0x{Buffer:x}", "5"], json.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray());
    }

    [Theory]
    [MemberData(nameof(TracedArchitectures))]
    public void ExitStatusesAndArgumentlessSyscallsAreDecodedAsIntegersOf32Bits(SyscallArchitecture traced)
    {
        var formatter = FormatterOf(traced);
        var compat = SyscallTable.For(traced).CompatTable!;
        // A 32-bit register holding -1: the int is the register's 32 bits, not a 64-bit 4294967295.
        Assert.Equal("exit_group(-1) = ?", formatter.Format(Record(compat.GetNumber("exit_group"), is32Bit: true, [uint.MaxValue, 0, 0, 0, 0, 0], null)));
        Assert.Equal("exit(7) = ?", formatter.Format(Record(compat.GetNumber("exit"), is32Bit: true, [7, 1, 2, 3, 4, 5], null)));
        Assert.Equal("getppid() = 42", formatter.Format(Record(compat.GetNumber("getppid"), is32Bit: true, [9, 9, 9, 9, 9, 9], 42)));
    }

    [Theory]
    [MemberData(nameof(TracedArchitectures))]
    public void Other32BitSyscallsPrintTheirSixRegistersNeverThe64BitDecoding(SyscallArchitecture traced)
    {
        var formatter = FormatterOf(traced);
        var compat = SyscallTable.For(traced).CompatTable!;
        // openat's path is not captured for a 32-bit syscall: its registers print raw, named by the 32-bit table.
        var record = Record(compat.GetNumber("openat"), is32Bit: true, [0xffffff9c, Buffer, 0x80000, 0, 0, 0], 3);
        Assert.Equal($"openat(0xffffff9c, 0x{Buffer:x}, 0x80000, 0, 0, 0) = 3", formatter.Format(record));
        Assert.Equal(6, formatter.GetArgumentCount(record));
    }

    [Theory]
    [MemberData(nameof(TracedArchitectures))]
    public void AnUnknown32BitNumberKeepsItsSyscall32Name(SyscallArchitecture traced)
    {
        var formatter = FormatterOf(traced);
        var compat = SyscallTable.For(traced).CompatTable!;
        // Past the table, and a gap inside it (a number the ABI never had or retired).
        int past = compat.Count + 17;
        int gap = Enumerable.Range(0, compat.Count).First(n => compat.GetName(n) is null);
        foreach (int number in new[] { past, gap })
        {
            var record = Record(number, is32Bit: true, [1, 2, 3, 4, 5, 6], -38);
            string name = "syscall32_" + number.ToString(CultureInfo.InvariantCulture);
            Assert.Null(SyscallTable.For(traced).GetName(record));
            Assert.Equal(name, SyscallTable.For(traced).GetDisplayName(record));
            Assert.Equal(name, compat.GetDisplayName(number));
            Assert.Equal($"{name}(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)", formatter.Format(record));
            using var json = JsonDocument.Parse(new SyscallJsonFormatter(formatter).Format(record));
            Assert.Equal(name, json.RootElement.GetProperty("name").GetString());
            Assert.True(json.RootElement.GetProperty("is_32bit").GetBoolean());
        }
    }

    [Fact]
    public void ArmsPrivateSyscallsAreNamedOnArm64Only()
    {
        // set_tls: arm's own syscall past the numbered ones (every AArch32 glibc program makes it at start), raw registers.
        int setTls = SyscallTable.Arm32.GetNumber("set_tls");
        Assert.True(setTls > SyscallTable.Arm32.GetNumber("openat"));
        var record = Record(setTls, is32Bit: true, [0xf7f1e4c0, 0, 0, 0, 0, 0], 0);
        Assert.Equal("set_tls", SyscallTable.Arm64.GetName(record));
        Assert.Equal("set_tls(0xf7f1e4c0, 0, 0, 0, 0, 0) = 0", Arm.Format(record));
        // Past them, and on x86-64 (i386 has no such numbers), it is unknown.
        Assert.Null(SyscallTable.Arm32.GetName(SyscallTable.Arm32.Count));
        Assert.Equal($"syscall32_{setTls}", SyscallTable.X86_64.GetDisplayName(record));
    }

    [Fact]
    public void Each64BitArchitectureNamesItsOwn32BitAbi()
    {
        Assert.Same(SyscallTable.I386, SyscallTable.X86_64.CompatTable);
        Assert.Same(SyscallTable.Arm32, SyscallTable.Arm64.CompatTable);
        foreach (var table in new[] { SyscallTable.I386, SyscallTable.Arm32, SyscallTable.X32 })
        {
            Assert.Null(table.CompatTable);
            Assert.Same(table, SyscallTable.For(table.Architecture));
            Assert.Throws<ArgumentException>(() => new SyscallCatalog(table, SyscallSignatureProvider.Shared));
            Assert.Throws<ArgumentException>(() => SeccompProfileAdvisor.Create([Record(0, is32Bit: false, [0, 0, 0, 0, 0, 0], 0)], table: table));
        }
        // The two 32-bit ABIs number differently, and differently from their 64-bit architectures.
        Assert.NotEqual(SyscallTable.I386.GetNumber("openat"), SyscallTable.Arm32.GetNumber("openat"));
        Assert.NotEqual(SyscallTable.I386.GetNumber("openat"), SyscallTable.X86_64.GetNumber("openat"));
        Assert.NotEqual(SyscallTable.Arm32.GetNumber("openat"), SyscallTable.Arm64.GetNumber("openat"));
    }

    [Fact]
    public void TheSeccompAdvisorRefusesAnX32HistoryInsteadOfLeavingItsSyscallsOut()
    {
        int write = SyscallTable.X32.GetNumber("write");
        int exitGroup = SyscallTable.X86_64.GetNumber("exit_group");
        // x32 numbers are not in the x86-64 table: a profile without them would kill the process at its first syscall.
        Assert.Null(SyscallTable.X86_64.GetName(write));
        var error = Assert.Throws<InvalidOperationException>(() => SeccompProfileAdvisor.Create(
            [Record(exitGroup, is32Bit: false, [0, 0, 0, 0, 0, 0], null), Record(write, is32Bit: false, [1, 0x1000, 5, 0, 0, 0], 5)],
            table: SyscallTable.X86_64));
        Assert.Contains("x32", error.Message, StringComparison.Ordinal);
        Assert.Contains("write", error.Message, StringComparison.Ordinal);
        // The same history of x86-64 numbers alone is a profile.
        Assert.Contains("exit_group", SeccompProfileAdvisor.Create([Record(exitGroup, is32Bit: false, [0, 0, 0, 0, 0, 0], null)], table: SyscallTable.X86_64).AllowedSyscalls);
    }

    [Fact]
    public void AHistoryFromTheFirstExecFindsA32BitExecve()
    {
        // A 32-bit program that execs: its execve is a 32-bit syscall, in the i386 numbering (11, not x86-64's 59).
        var table = SyscallTable.Current;
        var compat = table.CompatTable!;
        int execve32 = compat.GetNumber("execve");
        Assert.NotEqual(table.GetNumber("execve"), execve32);
        static SyscallRecord At(ulong ns, int number, bool is32Bit) => Record(number, is32Bit, [0, 0, 0, 0, 0, 0], 0, ns);
        SyscallRecord[] records =
        [
            At(10, compat.GetNumber("getpid"), is32Bit: true),
            At(20, execve32, is32Bit: true),
            At(30, compat.GetNumber("write"), is32Bit: true),
        ];
        var history = new SyscallHistory(records, [], recordingSinceNs: 1, completeSinceNs: 1, overwrittenPerCpu: [0], missedBeforeRecording: 0, notWritten: 0);
        var fromExec = history.FromFirstExec(processId: 10);
        Assert.Equal([20UL, 30UL], fromExec.Select(r => r.TimestampNs));
        Assert.True(fromExec.IsComplete);
    }

    [Fact]
    public void TableLookupsRoundTripInEvery32BitNumbering()
    {
        foreach (var table in new[] { SyscallTable.I386, SyscallTable.Arm32, SyscallTable.X32 })
        {
            var syscalls = table.Syscalls.ToArray();
            Assert.True(syscalls.Length > 300, $"{table.Architecture}: {syscalls.Length} syscalls");
            foreach (var (number, name) in syscalls)
            {
                Assert.True(number < table.Count);
                Assert.Equal(name, table.GetName(number));
                Assert.Equal(name, table.GetDisplayName(number));
                Assert.True(table.TryGetNumber(name, out int back));
                Assert.Equal(number, back);
            }
            Assert.Null(table.GetName(-1));
            Assert.Null(table.GetName(table.Count));
            Assert.False(table.TryGetNumber("no_such_syscall", out _));
        }
    }

    [Fact]
    public void X32NumbersAreX86_64NumbersWithTheX32BitAndAreNamedByTheX32Table()
    {
        var x32 = SyscallTable.X32;
        var x86 = SyscallTable.X86_64;
        int bit = x32.Syscalls.Min(s => s.Key);
        Assert.Equal(0x40000000, bit & 0x40000000);
        // A syscall both ABIs share has the x86-64 number with the x32 bit; x32 has its own numbers for the ones whose
        // structures hold pointers or longs (they are past x86-64's range, or where x86-64 has the 64-bit variant).
        int shared = x32.Syscalls.Count(s => x86.GetName(s.Key & ~0x40000000) == s.Value);
        Assert.True(shared > 250, $"only {shared} x32 syscalls share their x86-64 number");
        int write = x32.GetNumber("write");
        Assert.Equal(x86.GetNumber("write") | 0x40000000, write);

        var record = Record(write, is32Bit: false, [1, Buffer, 5, 0, 0, 0], 5);
        Assert.Equal("write", x86.GetName(record));
        // x32 pointers are 32-bit, and nothing behind them is decoded: the registers print raw.
        Assert.Equal($"write(0x1, 0x{Buffer:x}, 0x5, 0, 0, 0) = 5", X86.Format(record));

        int unknown = x32.Count + 3;
        var unknownRecord = Record(unknown, is32Bit: false, [0, 0, 0, 0, 0, 0], -38);
        Assert.Null(x86.GetName(unknownRecord));
        Assert.StartsWith($"syscall_0x{unknown:x}(", X86.Format(unknownRecord), StringComparison.Ordinal);
        // On arm64 there is no x32: the same number is just unknown.
        Assert.Null(SyscallTable.Arm64.GetName(record));
    }

    private static SyscallFormatter FormatterOf(SyscallArchitecture traced) => traced == SyscallArchitecture.Arm64 ? Arm : X86;

    private static SyscallRecord Record(int number, bool is32Bit, ulong[] arguments, long? returnValue, ulong timestampNs = 1) => new()
    {
        TimestampNs = timestampNs,
        Cpu = 0,
        ProcessId = 10,
        ThreadId = 10,
        Command = "prog32",
        Number = number,
        Is32Bit = is32Bit,
        Arguments = arguments,
        ReturnValue = returnValue,
    };
}
