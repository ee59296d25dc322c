using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// execve's argv as strace prints it when the capture is partial: unreadable strings are an address (never <c>[]</c>), an
/// element cut by the capture limit is <c>"abc"...</c>, and <c>...</c> closes the list only when elements were left out.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class DecodingArgvTests(ITestOutputHelper output) : IDisposable
{
    private const string Source = """
        #include <errno.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        static long result(long r) { return r < 0 ? -errno : r; }

        /* Each execve fails (the program does not exist) after the kernel has counted argv: the process goes on. */
        int main(int argc, char **argv)
        {
            if (argc != 2)
                return 1;
            const char *missing = argv[1];
            char long_argument[201];
            memset(long_argument, 'L', 200);
            long_argument[200] = 0;
            char *unreadable_array = (char *)1;
            char *unreadable_first[] = { (char *)1, NULL };
            char *long_one[] = { "first", long_argument, "last", NULL };
            char *medium_one[] = { "first", long_argument + 137, "last", NULL }; /* 63 bytes and its NUL */
            printf("array %ld\n", result(syscall(SYS_execve, missing, unreadable_array, NULL)));
            printf("first %lx %ld\n", (unsigned long)unreadable_first, result(syscall(SYS_execve, missing, unreadable_first, NULL)));
            printf("long %lx %ld\n", (unsigned long)long_one, result(syscall(SYS_execve, missing, long_one, NULL)));
            printf("medium %lx %ld\n", (unsigned long)medium_one, result(syscall(SYS_execve, missing, medium_one, NULL)));
            return 0;
        }
        """;

    private static readonly SyscallCatalog X86 = new(SyscallTable.X86_64, SyscallSignatureProvider.Shared);
    private static readonly SyscallFormatter Formatter = new(catalog: X86);

    private readonly string _directory = Directory.CreateTempSubdirectory("traceloop-argv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static SyscallRecord Execve(ulong argv, CapturedArgument? capture) => new()
    {
        TimestampNs = 1, ExitTimestampNs = 2, Cpu = 0, ProcessId = 1, ThreadId = 1, Command = "sh",
        Number = SyscallTable.X86_64.GetNumber("execve"),
        Arguments = [0x1000, argv, 0, 0, 0, 0],
        ReturnValue = -2,
        Captured = capture is { } c ? [new CapturedArgument(0, "/bin/x"u8.ToArray(), CaptureStatus.Complete), c] : [new CapturedArgument(0, "/bin/x"u8.ToArray(), CaptureStatus.Complete)],
    };

    // What capture_string_array writes: each element and its NUL.
    private static CapturedArgument Argv(CaptureStatus status, params string[] elements) =>
        new(1, Encoding.ASCII.GetBytes(string.Concat(elements.Select(e => e + "\0"))), status);

    private const string Enoent = " = -1 ENOENT (No such file or directory)";

    [Fact]
    public void UnreadableArgvIsAnAddress()
    {
        // The array itself, or its first string, could not be read: the address, as strace prints an unreadable array.
        Assert.Equal("execve(\"/bin/x\", 0x7ffc0000, NULL)" + Enoent, Formatter.Format(Execve(0x7ffc0000, new CapturedArgument(1, default, CaptureStatus.Unreadable))));
        Assert.Equal("execve(\"/bin/x\", 0x7ffc0000, NULL)" + Enoent, Formatter.Format(Execve(0x7ffc0000, new CapturedArgument(1, default, CaptureStatus.Truncated))));
        Assert.Equal("execve(\"/bin/x\", 0x7ffc0000, NULL)" + Enoent, Formatter.Format(Execve(0x7ffc0000, null)));
        // An empty array that was read is [].
        Assert.Equal("execve(\"/bin/x\", [], NULL)" + Enoent, Formatter.Format(Execve(0x7ffc0000, Argv(CaptureStatus.Complete))));
    }

    [Fact]
    public void ACutElementIsACutStringNotAnElidedList()
    {
        var cut = new string('L', ArgvCapture.ElementSize - 1);
        var record = Execve(0x7ffc0000, Argv(CaptureStatus.Truncated, "first", cut, "last"));
        Assert.Equal("execve(\"/bin/x\", [\"first\", \"" + new string('L', 32) + "\"..., \"last\"], NULL)" + Enoent, Formatter.Format(record));
        var wide = new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 1000 }, X86);
        Assert.Equal("execve(\"/bin/x\", [\"first\", \"" + cut + "\"..., \"last\"], NULL)" + Enoent, wide.Format(record));
        // A complete capture says nothing was cut, whatever an element's length.
        Assert.Equal("execve(\"/bin/x\", [\"first\", \"" + cut + "\"], NULL)" + Enoent, wide.Format(Execve(0x7ffc0000, Argv(CaptureStatus.Complete, "first", cut))));
    }

    [Fact]
    public void LeftOutElementsEndTheListWithAnEllipsis()
    {
        // As many elements as the BPF side reads: there were more.
        string[] eight = ["1", "2", "3", "4", "5", "6", "7", "8"];
        Assert.Equal("execve(\"/bin/x\", [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\", ...], NULL)" + Enoent,
            Formatter.Format(Execve(0x7ffc0000, Argv(CaptureStatus.Truncated, eight))));
        // Fewer, none cut: a read failed before the array's end (strace shows the unreadable element's address there).
        Assert.Equal("execve(\"/bin/x\", [\"a\", \"b\", ...], NULL)" + Enoent, Formatter.Format(Execve(0x7ffc0000, Argv(CaptureStatus.Truncated, "a", "b"))));
        // strace's own limit: at most StringLimit elements, then "...".
        var narrow = new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 4 }, X86);
        Assert.Equal("execve(\"/bin/x\", [\"1\", \"2\", \"3\", \"4\", ...], NULL)" + Enoent, narrow.Format(Execve(0x7ffc0000, Argv(CaptureStatus.Truncated, eight))));
        Assert.Equal("execve(\"/bin/x\", [\"1\", \"2\", \"3\", \"4\", ...], NULL)" + Enoent, narrow.Format(Execve(0x7ffc0000, Argv(CaptureStatus.Complete, [.. eight, "9"]))));
    }

    [Fact]
    public void LimitsMatchTheBpfProgram()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot, "bpf", "traceloop_captures.h"));
        Assert.Equal(ArgvCapture.MaxElements.ToString(CultureInfo.InvariantCulture), Define(source, "MAX_ARGV"));
        Assert.Equal(ArgvCapture.ElementSize.ToString(CultureInfo.InvariantCulture), Define(source, "MAX_ARGV_STRING"));
    }

    [Fact]
    public async Task RealExecveWithUnreadableArgvPrintsAnAddress()
    {
        var (prefix, lines, failed) = await TraceProgramAsync();
        var formatter = new SyscallFormatter(catalog: X86);

        // The array pointer itself is bad.
        Assert.Equal(prefix + "0x1, NULL)" + Enoent, formatter.Format(Assert.Single(failed, r => r.Arguments[1] == 1)));

        // The array is readable, its first string is not: the array's address (strace shows [0x1], the string's).
        var firstAddress = ulong.Parse(lines["first"][1], NumberStyles.HexNumber);
        var first = Assert.Single(failed, r => r.Arguments[1] == firstAddress);
        Assert.Equal(CaptureStatus.Truncated, Assert.Single(first.Captured, c => c.Index == 1).Status);
        Assert.Equal(prefix + $"0x{firstAddress:x}, NULL)" + Enoent, formatter.Format(first));
    }

    [Fact]
    public async Task RealExecveWithLongArgumentsPrintsLikeStrace()
    {
        var (prefix, lines, failed) = await TraceProgramAsync();
        var formatter = new SyscallFormatter(catalog: X86);
        var wide = new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 1000 }, X86);

        // A 200-byte argument: cut at the strace limit (32) exactly as strace prints it, and at the capture's limit beyond.
        var longAddress = ulong.Parse(lines["long"][1], NumberStyles.HexNumber);
        var longOne = Assert.Single(failed, r => r.Arguments[1] == longAddress);
        Assert.Equal(CaptureStatus.Truncated, Assert.Single(longOne.Captured, c => c.Index == 1).Status);
        Assert.Equal(prefix + "[\"first\", \"" + new string('L', 32) + "\"..., \"last\"], NULL)" + Enoent, formatter.Format(longOne));
        Assert.Equal(prefix + "[\"first\", \"" + new string('L', ArgvCapture.ElementSize - 1) + "\"..., \"last\"], NULL)" + Enoent, wide.Format(longOne));

        // 63 bytes: whole.
        var mediumAddress = ulong.Parse(lines["medium"][1], NumberStyles.HexNumber);
        var medium = Assert.Single(failed, r => r.Arguments[1] == mediumAddress);
        Assert.Equal(prefix + "[\"first\", \"" + new string('L', 63) + "\", \"last\"], NULL)" + Enoent, wide.Format(medium));

        // strace on the same program prints the same lines (with its default limit).
        var tracePath = Path.Combine(_directory, "strace.txt");
        DecodingStraceOracle.RunProcess("strace", $"-qq -e trace=execve -o {tracePath} {lines["binary"][1]} {lines["missing"][1]}");
        var traced = Normalize(File.ReadAllText(tracePath));
        output.WriteLine(traced);
        Assert.Contains(Normalize(prefix + "0x1, NULL)" + Enoent), traced, StringComparison.Ordinal);
        Assert.Contains(Normalize(formatter.Format(longOne)), traced, StringComparison.Ordinal);
        Assert.Contains(Normalize(formatter.Format(medium)), traced, StringComparison.Ordinal);
    }

    // Runs the program under a tracer: the execve line's prefix, the program's output lines by first word, the failed execves.
    private async Task<(string Prefix, Dictionary<string, string[]> Lines, List<SyscallRecord> Failed)> TraceProgramAsync()
    {
        var binary = Compile();
        var missing = Path.Combine(_directory, "does-not-exist");
        await using var tracer = TraceloopTracer.Start();
        IReadOnlyList<SyscallRecord> history;
        string stdout;
        await using (var command = TracedCommand.Start(tracer, binary, [missing], redirectOutput: true))
        {
            var outputTask = command.Process.StandardOutput.ReadToEndAsync();
            var errorTask = command.Process.StandardError.ReadToEndAsync();
            Assert.Equal(0, await command.WaitForExitAsync());
            stdout = await outputTask;
            output.WriteLine(stdout + await errorTask);
            history = command.Dump();
        }
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(f => f[0]);
        Assert.All(lines.Values, l => Assert.Equal("-2", l[^1]));
        lines["missing"] = ["missing", missing];
        lines["binary"] = ["binary", binary];
        int execve = SyscallTable.X86_64.GetNumber("execve");
        var failed = history.Where(r => r.Number == execve && r.ReturnValue == -2).ToList();
        var wide = new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 1000 }, X86);
        foreach (var r in failed)
        {
            output.WriteLine(wide.Format(r));
            foreach (var c in r.Captured)
            {
                output.WriteLine($"  capture {c.Index} {c.Status} {c.Data.Length}: {Convert.ToHexString(c.Data.Span)}");
            }
        }
        return ($"execve(\"{missing}\", ", lines, failed);
    }

    // strace pads " = " to a column; the text before and after is what matters.
    private static string Normalize(string text) => Spaces().Replace(text, " ");

    private static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "bpf", "traceloop.bpf.c")))
                {
                    return directory.FullName;
                }
            }
            throw new FileNotFoundException($"bpf/traceloop.bpf.c not found above {AppContext.BaseDirectory}");
        }
    }

    private string Compile()
    {
        var source = Path.Combine(_directory, "argv.c");
        File.WriteAllText(source, Source);
        return Gcc.Compile(source, Path.Combine(_directory, "argv"), "-O2", "-Wall", "-Werror");
    }

    private static string Define(string source, string name) =>
        Regex.Match(source, "^#define " + name + @"\s+(\d+)", RegexOptions.Multiline).Groups[1].Value;

    [GeneratedRegex(@" +")]
    private static partial Regex Spaces();
}
