using System.Globalization;
using System.Text;
using System.Text.Json;
using Gadget.Containers;
using Gadget.Linux;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// strace's printing flags in the library: <c>-T</c> (<see cref="SyscallFormatterOptions.IncludeDuration"/>), <c>-t</c>,
/// <c>-tt</c>, <c>-ttt</c> (<see cref="SyscallFormatterOptions.TimeOfDay"/>), <c>-e trace=SET</c> (<see cref="SyscallFilter"/>)
/// and how <see cref="SyscallHistoryWriter"/> applies them, on plain records.
/// </summary>
public sealed class DecodingPrintOptionsTests
{
    private static readonly SyscallCatalog X86 = new(SyscallTable.X86_64, SyscallSignatureProvider.Shared);

    private static SyscallRecord Record(string name, ulong[] arguments, long? returnValue, ulong entryNs = 5_000_000_000, ulong? exitNs = null, int thread = 43) => new()
    {
        TimestampNs = entryNs,
        ExitTimestampNs = exitNs,
        Cpu = 0,
        ProcessId = 42,
        ThreadId = thread,
        Command = "cat",
        Number = SyscallTable.X86_64.GetNumber(name),
        Arguments = [.. arguments, .. new ulong[6 - arguments.Length]],
        ReturnValue = returnValue,
    };

    [Theory]
    [InlineData(5_000_000_000UL, 5_000_000_000UL)]
    [InlineData(5_000_000_000UL, 5_000_123_999UL)]   // cut to the microsecond, not rounded
    [InlineData(5_000_000_000UL, 6_250_000_001UL)]
    [InlineData(1_000UL, 86_401_000_000_999UL)]
    public void DurationsAreExitMinusEntryInSecondsWithMicroseconds(ulong entry, ulong exit)
    {
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { IncludeDuration = true }, X86);
        var micros = (exit - entry) / 1000;
        var expected = string.Create(CultureInfo.InvariantCulture, $"close(3) = 0 <{micros / 1_000_000}.{micros % 1_000_000:D6}>");

        Assert.Equal(expected, formatter.Format(Record("close", [3], 0, entry, exit)));
    }

    [Fact]
    public void ACallWithoutAnExitTimeHasNoDuration()
    {
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { IncludeDuration = true }, X86);
        var plain = new SyscallFormatter(catalog: X86);
        // Never returned (exit_group, a call cut short by the thread's death): strace prints no time either.
        var exitGroup = Record("exit_group", [0], null);
        Assert.Equal(plain.Format(exitGroup), formatter.Format(exitGroup));
        // Returned, but the recorder read no clock at its exit (TraceloopOptions.ExitTimestamps off, thread not switched out).
        var held = Record("getpid", [], 42);
        Assert.Equal(plain.Format(held), formatter.Format(held));
    }

    [Theory]
    [InlineData(SyscallTimeOfDay.Seconds, "HH:mm:ss")]
    [InlineData(SyscallTimeOfDay.Microseconds, "HH:mm:ss.ffffff")]
    public void TimeOfDayIsTheEntryOnTheWallClockInTheTimeZone(SyscallTimeOfDay timeOfDay, string format)
    {
        // The boot time 2024-03-31 00:59:59 UTC: Berlin's clocks went from 01:59:59 (UTC+1) to 03:00:00 (UTC+2) a second
        // later, each record takes the zone's offset of its own instant.
        const long offsetNs = 1_711_846_799_000_000_000;
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        foreach (var entryNs in (ulong[])[999_999_000, 1_000_000_000, 3_600_123_456_789])
        {
            var formatter = new SyscallFormatter(new SyscallFormatterOptions { TimeOfDay = timeOfDay, RealtimeOffsetNs = offsetNs, TimeZone = zone, IncludeThreadId = true }, X86);
            var wall = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks((offsetNs + (long)entryNs) / 100), zone);

            // strace's order: the thread, then the time.
            Assert.Equal($"[pid 43] {wall.ToString(format, CultureInfo.InvariantCulture)} close(3) = 0", formatter.Format(Record("close", [3], 0, entryNs)));
        }
    }

    [Fact]
    public void UnixMicrosecondsAreSecondsSinceTheEpoch()
    {
        const long offsetNs = 1_700_000_000_123_456_789;
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { TimeOfDay = SyscallTimeOfDay.UnixMicroseconds, RealtimeOffsetNs = offsetNs }, X86);
        const ulong entryNs = 7_000_000_500;
        var micros = (offsetNs + (long)entryNs) / 1000;

        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000}.{micros % 1_000_000:D6} close(3) = 0"), formatter.Format(Record("close", [3], 0, entryNs)));
    }

    [Fact]
    public void WithoutAGivenOffsetTheClocksAreReadWhenTheFormatterIsMade()
    {
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { TimeOfDay = SyscallTimeOfDay.UnixMicroseconds }, X86);
        var line = formatter.Format(Record("close", [3], 0, BootClock.NowNanoseconds()));
        var printed = double.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

        Assert.InRange(printed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 + 1);
    }

    [Fact]
    public void AFilterTakesStracesSets()
    {
        var table = SyscallTable.X86_64;
        Assert.True(SyscallFilter.Parse("openat", table).Includes("openat"));
        Assert.False(SyscallFilter.Parse("openat", table).Includes("read"));
        Assert.True(SyscallFilter.Parse("trace=open,openat", table).Includes("open"));
        Assert.False(SyscallFilter.Parse("!openat", table).Includes("openat"));
        Assert.True(SyscallFilter.Parse("!openat", table).Includes("read"));
        Assert.True(SyscallFilter.Parse("%file,read", table).Includes("read"));
        Assert.True(SyscallFilter.Parse("%file", table).Includes("execve"));
        Assert.False(SyscallFilter.Parse("%file", table).Includes("read"));
        Assert.True(SyscallFilter.Parse("file", table).Includes("openat")); // strace's older spelling
        Assert.True(SyscallFilter.Parse("%net", table).Includes("connect"));
        Assert.True(SyscallFilter.Parse("/^pread|^pwrite", table).Includes("pwrite64"));
        Assert.False(SyscallFilter.Parse("/^pread|^pwrite", table).Includes("read"));
        Assert.True(SyscallFilter.Parse("?nosuchsyscall,read", table).Includes("read"));
        // all and none, including numbers no table names.
        Assert.True(SyscallFilter.Parse("all", table).Includes("syscall_0x1ff"));
        Assert.True(SyscallFilter.All.Includes("syscall_0x1ff"));
        Assert.False(SyscallFilter.Parse("none", table).Includes("read"));
        Assert.False(SyscallFilter.Parse("!all", table).Includes("syscall_0x1ff"));
        Assert.True(SyscallFilter.Parse("!none", table).Includes("read"));
        // A name of the 32-bit table only.
        Assert.True(SyscallFilter.Parse("socketcall", table).Includes("socketcall"));
    }

    [Theory]
    [InlineData("", "names no syscall")]
    [InlineData("trace=", "names no syscall")]
    [InlineData("!", "names no syscall")]
    [InlineData("nosuchsyscall", "unknown syscall 'nosuchsyscall'")]
    [InlineData("read,,write", "empty item")]
    [InlineData("%nosuchclass", "unknown syscall class '%nosuchclass'")]
    [InlineData("/[", "does not compile")]
    [InlineData("/(\\w)\\1", "'/(\\w)\\1': the regular expression '(\\w)\\1' is not supported: backreferences")]
    [InlineData("/^(?=read)", "is not supported")]
    [InlineData("/(a{1000}){1000}", "nor a pattern of too many states")]
    public void AFilterNamingNothingKnownIsRefused(string expression, string message)
    {
        var e = Assert.Throws<FormatException>(() => SyscallFilter.Parse(expression, SyscallTable.X86_64));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>
    /// Patterns that backtrack catastrophically on a name that does not match (each backtracking match took up to its 1 s
    /// timeout, and the filter failed with a RegexMatchTimeoutException after seconds): matched in linear time, with no timeout to reach.
    /// </summary>
    [Theory]
    [InlineData("/^(\\w+)+X$")]
    [InlineData("/^((\\w)*)*X$")]
    [InlineData("/^(read|[a-z]+|\\w+)+_X$")]
    public void ABacktrackingPatternIsMatchedWithoutATimeout(string expression)
    {
        var filter = SyscallFilter.Parse(expression, SyscallTable.X86_64);
        Assert.False(filter.Includes("rt_sigtimedwait_time64"));
        Assert.False(filter.Includes("read"));
        Assert.True(SyscallFilter.Parse("/^(\\w+)+ead$", SyscallTable.X86_64).Includes("read")); // and they still match
    }

    [Fact]
    public void TheWriterPrintsOnlyTheFilteredSyscallsButEveryExitAndTheGaps()
    {
        SyscallRecord[] records =
        [
            Record("openat", [unchecked((ulong)-100), 0, 0], -14, 1_000, 2_000),
            Record("read", [3, 0, 10], -9, 3_000, 4_000, thread: 44),
            Record("openat", [unchecked((ulong)-100), 0, 0], -14, 5_000, 6_000),
            Record("exit_group", [0], null, 7_000),
        ];
        var history = new SyscallHistory(records, [new ProcessExit(42, 43, 8_000, new ContainerExitStatus(3 << 8))],
            recordingSinceNs: 1, completeSinceNs: 2_500, overwrittenPerCpu: [7], missedBeforeRecording: 0, notWritten: 0);
        var filter = SyscallFilter.Parse("openat", SyscallTable.X86_64);
        var options = new SyscallFormatterOptions { TimeOfDay = SyscallTimeOfDay.UnixMicroseconds, RealtimeOffsetNs = 1_000_000_000_000_000_000 };

        var text = new StringWriter();
        new SyscallHistoryWriter(catalog: X86, options: options, filter: filter).Write(history, text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // The formatter of the same options, thread ids on (two threads), gives each syscall line; the exit line has the same prefix.
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { TimeOfDay = options.TimeOfDay, RealtimeOffsetNs = options.RealtimeOffsetNs, IncludeThreadId = true }, X86);
        var exitPrefix = new StringBuilder();
        formatter.AppendPrefix(42, 8_000, exitPrefix);
        Assert.Equal(
        [
            $"--- traceloop: the history is incomplete: {history.DescribeGaps()} ---",
            formatter.Format(records[0]),
            formatter.Format(records[2]),
            exitPrefix + "+++ exited with 3 +++",
        ], lines);
        Assert.Equal("[pid 42] 1000000000.000008 ", exitPrefix.ToString());

        var json = new StringWriter();
        new SyscallHistoryWriter(json: true, catalog: X86, options: options, filter: filter).Write(history, json);
        var objects = json.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["gaps", "openat", "openat", "exit"], objects.Select(o => o.TryGetProperty("type", out var type) ? type.GetString() : o.GetProperty("name").GetString()));
    }

    [Fact]
    public void TheWriterRefusesBadOptionsWhenMade()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyscallHistoryWriter(options: new SyscallFormatterOptions { StringLimit = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyscallHistoryWriter(options: new SyscallFormatterOptions { TimeOfDay = (SyscallTimeOfDay)9 }));
    }
}
