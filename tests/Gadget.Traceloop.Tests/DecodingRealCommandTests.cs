using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// Real commands, run three times under strace with address randomization off (so the runs make the same syscalls with the
/// same values): once as strace prints them (the expected text), once raw (the registers and return values traceloop records),
/// once with a huge string limit (the memory traceloop captures). Our line must equal strace's for every syscall we decode fully.
/// </summary>
public partial class DecodingRealCommandTests
{
    // Syscalls whose every argument we decode as strace does (others show structures we do not capture, e.g. stat buffers).
    // Left out although decoded alike: those whose values change from run to run (set_tid_address and getpid return the pid,
    // getrandom's bytes); the strace comparison tests cover them with values known to the test.
    private static readonly HashSet<string> Compared =
    [
        "read", "write", "pread64", "pwrite64", "open", "openat", "close", "access", "faccessat", "mmap", "mprotect", "munmap", "brk",
        "exit_group", "connect", "socket", "lseek", "dup", "dup2", "dup3", "pipe2", "getcwd", "readlink", "arch_prctl",
        "set_robust_list", "rseq", "unlinkat", "mkdir", "getuid", "geteuid", "getgid", "getegid", "kill",
        "newfstatat", "fstat", "stat", "lstat", "prctl", "fadvise64", "madvise", "futex", "ioctl",
    ];

    private static readonly SyscallCatalog Catalog = new(SyscallTable.X86_64, SyscallSignatureProvider.Shared);
    private static readonly Lazy<Dictionary<string, int>> ErrnoNumbers = new(LoadErrnoNumbers);

    public static TheoryData<string[]> Commands => new()
    {
        new[] { "cat", "/etc/hostname" },
        new[] { "sh", "-c", "echo hi > /dev/null" },
        new[] { "busybox", "nc", "127.0.0.1", "1" },
        new[] { "ls", "-d", "/nonexistent", "/tmp" },
        new[] { "cat", "/dev/null", "/etc/hostname", "/nonexistent" },
        new[] { "capsh", "--print" },
        new[] { "busybox", "sh", "-c", "echo hi" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void FormatterPrintsWhatStracePrintsForRealCommands(string[] command)
    {
        var expected = Trace(command, "-s", "32");
        var raw = Trace(command, "-X", "raw", "-e", "raw=all");
        var full = Trace(command, "-s", "1000000");
        Assert.Equal(expected.Count, raw.Count);
        Assert.Equal(expected.Count, full.Count);
        var formatter = new SyscallFormatter(catalog: Catalog);
        var json = new SyscallJsonFormatter(formatter);
        var mismatches = new List<string>();
        int compared = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            var (name, _, _) = expected[i];
            Assert.Equal(name, raw[i].Name);
            // Every syscall, decoded fully or not: its JSON object spells the same line as the text formatter.
            var record = BuildRecord(name, raw[i], full[i]);
            if (DecodingJsonAgreement.Disagreement(json, record) is { } disagreement)
            {
                mismatches.Add(disagreement);
            }
            if (!Compared.Contains(name))
            {
                continue;
            }
            string ours = formatter.Format(record);
            string theirs = $"{name}({expected[i].Arguments}) = {expected[i].Return}";
            compared++;
            if (ours != theirs)
            {
                mismatches.Add($"strace: {theirs}\nours:   {ours}");
            }
        }
        Assert.True(compared >= 10, $"only {compared} syscalls compared");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} differ:\n{string.Join("\n", mismatches)}");
    }

    private static SyscallRecord BuildRecord(string name, (string Name, string Arguments, string Return) raw, (string Name, string Arguments, string Return) full)
    {
        int number = SyscallTable.X86_64.GetNumber(name);
        var rawArguments = SplitArguments(raw.Arguments);
        var fullArguments = SplitArguments(full.Arguments);
        var arguments = new ulong[6];
        for (int i = 0; i < rawArguments.Count; i++)
        {
            arguments[i] = ParseNumber(rawArguments[i]);
        }
        long? returnValue = ParseReturn(raw.Return);
        var specs = Catalog.GetCaptureSpecs(number);
        var captured = new List<CapturedArgument>();
        for (int i = 0; i < specs.Count && i < fullArguments.Count; i++)
        {
            if (specs[i].Kind != ArgumentCapture.None && ParseMemory(fullArguments[i]) is { } data)
            {
                captured.Add(new CapturedArgument(i, data, CaptureStatus.Complete));
            }
        }
        return new SyscallRecord
        {
            TimestampNs = 1, Cpu = 0, ProcessId = 1, ThreadId = 1, Command = "test",
            Number = number, Arguments = arguments, ReturnValue = returnValue, Captured = captured,
        };
    }

    // The memory behind an argument, from strace's full decoding: a string, a socket address, two fds, or an array of strings.
    private static byte[]? ParseMemory(string text)
    {
        if (text.StartsWith('"'))
        {
            return Unescape(text, out _);
        }
        if (text.StartsWith("[\"", StringComparison.Ordinal) || text == "[]")
        {
            var bytes = new List<byte>();
            foreach (var item in SplitArguments(text[1..^1]))
            {
                bytes.AddRange(Unescape(item, out _));
                bytes.Add(0);
            }
            return [.. bytes];
        }
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            var fds = text[1..^1].Split(", ").Select(f => int.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var bytes = new byte[4 * fds.Length];
            for (int i = 0; i < fds.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), fds[i]);
            }
            return bytes;
        }
        if (text.StartsWith("{st_mode=", StringComparison.Ordinal))
        {
            // x86-64 struct stat with the fields strace showed: st_mode at 24, st_rdev at 40, st_size at 48.
            var match = StatText().Match(text);
            var bytes = new byte[144];
            uint mode = Convert.ToUInt32(match.Groups[2].Value, 8) | match.Groups[1].Value switch
            {
                "S_IFSOCK" => 0xc000u, "S_IFLNK" => 0xa000u, "S_IFREG" => 0x8000u, "S_IFBLK" => 0x6000u,
                "S_IFDIR" => 0x4000u, "S_IFCHR" => 0x2000u, "S_IFIFO" => 0x1000u, _ => 0u,
            };
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), mode);
            if (match.Groups[3].Success)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(48), long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
            }
            if (match.Groups[4].Success)
            {
                ulong major = ParseNumber(match.Groups[4].Value), minor = ParseNumber(match.Groups[5].Value);
                ulong device = (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xfful) << 12) | ((major & ~0xffful) << 32);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(40), device);
            }
            return bytes;
        }
        if (text.StartsWith("[{WIFEXITED(s) && WEXITSTATUS(s) == ", StringComparison.Ordinal))
        {
            int code = int.Parse(text["[{WIFEXITED(s) && WEXITSTATUS(s) == ".Length..^2], CultureInfo.InvariantCulture);
            return BitConverter.GetBytes(code << 8);
        }
        if (text.StartsWith("{sa_family=AF_INET,", StringComparison.Ordinal))
        {
            var match = InetAddress().Match(text);
            var bytes = new byte[16];
            bytes[0] = 2;
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), ushort.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            IPAddress.Parse(match.Groups[2].Value).GetAddressBytes().CopyTo(bytes, 4);
            return bytes;
        }
        if (text.StartsWith("{sa_family=AF_UNIX, sun_path=", StringComparison.Ordinal))
        {
            string path = text["{sa_family=AF_UNIX, sun_path=".Length..^1];
            bool isAbstract = path.StartsWith('@');
            var name = Unescape(isAbstract ? path[1..] : path, out _);
            return [1, 0, .. (isAbstract ? new byte[] { 0 } : []), .. name, .. (isAbstract ? [] : new byte[] { 0 })];
        }
        return null;
    }

    private static byte[] Unescape(string quoted, out bool truncated)
    {
        var bytes = new List<byte>();
        int i = 1;
        while (quoted[i] != '"')
        {
            char c = quoted[i++];
            if (c != '\\')
            {
                bytes.Add((byte)c);
                continue;
            }
            char e = quoted[i++];
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'v': bytes.Add((byte)'\v'); break;
                case 'f': bytes.Add((byte)'\f'); break;
                case 'x':
                    bytes.Add(byte.Parse(quoted.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case >= '0' and <= '7':
                    int value = e - '0';
                    for (int digits = 1; digits < 3 && quoted[i] is >= '0' and <= '7'; digits++)
                    {
                        value = value * 8 + (quoted[i++] - '0');
                    }
                    bytes.Add((byte)value);
                    break;
                default:
                    bytes.Add((byte)e);
                    break;
            }
        }
        truncated = quoted.AsSpan(i + 1).StartsWith("...", StringComparison.Ordinal);
        return [.. bytes];
    }

    private static ulong ParseNumber(string text) => text switch
    {
        "NULL" => 0,
        _ when text.StartsWith("0x", StringComparison.Ordinal) => ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        _ => unchecked((ulong)long.Parse(text, CultureInfo.InvariantCulture)),
    };

    private static long? ParseReturn(string text)
    {
        if (text == "?")
        {
            return null;
        }
        var error = ErrorReturn().Match(text);
        if (error.Success)
        {
            return -ErrnoNumbers.Value[error.Groups[1].Value];
        }
        return unchecked((long)ParseNumber(text.Split(' ')[0]));
    }

    private static Dictionary<string, int> LoadErrnoNumbers()
    {
        // Python's errno module (glibc's values), independent of our generated table.
        var output = DecodingStraceOracle.RunProcess("python3", "-c \"import errno\nfor n, name in errno.errorcode.items(): print(name, n)\nfor name in dir(errno):\n  print(name, getattr(errno, name)) if name.startswith('E') else None\"");
        var numbers = new Dictionary<string, int>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            numbers[parts[0]] = int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return numbers;
    }

    // Top-level comma split that respects quotes, brackets, braces and parentheses.
    private static List<string> SplitArguments(string text) => StraceLine.SplitArguments(text);

    private static List<(string Name, string Arguments, string Return)> Trace(string[] command, params string[] options)
    {
        string output = Path.Combine(Path.GetTempPath(), $"traceloop-real-{Guid.NewGuid():N}.txt");
        try
        {
            var arguments = new List<string> { "-R", "strace", "-f", "-a0", "-qq", "-o", output };
            arguments.AddRange(options);
            arguments.AddRange(command);
            var info = new System.Diagnostics.ProcessStartInfo("setarch", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.Environment["LC_ALL"] = "C";
            using (var process = System.Diagnostics.Process.Start(info)!)
            {
                process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
            }
            var lines = new List<(string, string, string)>();
            foreach (var line in File.ReadLines(output))
            {
                var match = Line().Match(line);
                if (!match.Success)
                {
                    continue;
                }
                string rest = match.Groups[2].Value;
                int end = rest.LastIndexOf(") = ", StringComparison.Ordinal);
                lines.Add((match.Groups[1].Value, rest[..end], rest[(end + 4)..]));
            }
            return lines;
        }
        finally
        {
            File.Delete(output);
        }
    }

    [GeneratedRegex(@"^\d+\s+(\w+)\((.*\) = .*)$")]
    private static partial Regex Line();

    [GeneratedRegex(@"^-1 (E\w+) \(")]
    private static partial Regex ErrorReturn();

    [GeneratedRegex(@"^\{st_mode=(?:(S_IF\w+)\|)?(0[0-7]*)(?:, st_size=(\d+))?(?:, st_rdev=makedev\((\w+), (\w+)\))?, \.\.\.\}$")]
    private static partial Regex StatText();

    [GeneratedRegex(@"sin_port=htons\((\d+)\), sin_addr=inet_addr\(""([0-9.]+)""\)")]
    private static partial Regex InetAddress();
}
