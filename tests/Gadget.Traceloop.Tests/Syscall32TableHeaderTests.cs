using System.Globalization;
using System.Text.RegularExpressions;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// The generated i386, AArch32 and x32 tables (scripts/generate-syscall-tables.py) against the kernel headers installed on
/// this machine, read here with a parser of their own: every <c>__NR_</c> define is in the table under its number, and
/// every name of the table is in the header but for the syscalls newer than the headers, which the generator adds
/// (arm's private syscalls, <c>__ARM_NR_*</c>, are read from the <c>asm/unistd.h</c> beside arm's header).
/// </summary>
public sealed partial class Syscall32TableHeaderTests
{
    private const string X86Headers = "/usr/include/x86_64-linux-gnu/asm";

    // arm's EABI numbers: linux-libc-dev-armhf-cross (what test.sh installs), or the multiarch linux-libc-dev:armhf.
    private static readonly string[] ArmEabiHeaders =
    [
        "/usr/arm-linux-gnueabihf/include/asm/unistd-eabi.h",
        "/usr/include/arm-linux-gnueabihf/asm/unistd-eabi.h",
    ];

    public static TheoryData<SyscallArchitecture> Abis => new() { SyscallArchitecture.I386, SyscallArchitecture.Arm32, SyscallArchitecture.X32 };

    [SkippableTheory]
    [MemberData(nameof(Abis))]
    public void TheGeneratedTableHoldsExactlyTheHeadersSyscalls(SyscallArchitecture abi)
    {
        var (header, baseValues) = HeaderOf(abi);
        Skip.If(header is null, $"no {abi} syscall header on this machine ({Describe(abi)}): install linux-libc-dev and linux-libc-dev-armhf-cross");
        var defines = Defines(header!, baseValues);
        if (abi == SyscallArchitecture.Arm32)
        {
            // arm's private syscalls, in the asm/unistd.h beside it.
            foreach (var (name, number) in ArmPrivateDefines(Path.Combine(Path.GetDirectoryName(header)!, "unistd.h")))
            {
                defines.Add(name, number);
            }
        }
        Assert.True(defines.Count > 300, $"{header}: only {defines.Count} syscalls read");

        var table = SyscallTable.For(abi);
        var wrong = new List<string>();
        foreach (var (name, number) in defines)
        {
            if (table.GetName(number) != name)
            {
                wrong.Add($"{header}: {name} is {number}, the table says {table.GetName(number) ?? "nothing"} there");
            }
        }
        var headerNumbers = defines.Values.ToHashSet();
        foreach (var (number, name) in table.Syscalls)
        {
            if (!headerNumbers.Contains(number) && !table.NewerThanHeaders.Contains(number))
            {
                wrong.Add($"the table's {name} ({number}) is not in {header}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        // What the generator added past the header are numbers the header does not have yet.
        Assert.All(table.NewerThanHeaders, n => Assert.DoesNotContain(n, headerNumbers));
    }

    private static (string? Header, Dictionary<string, long> BaseValues) HeaderOf(SyscallArchitecture abi)
    {
        switch (abi)
        {
            case SyscallArchitecture.I386:
                return (Existing(Path.Combine(X86Headers, "unistd_32.h")), new());
            case SyscallArchitecture.Arm32:
                // EABI: __NR_SYSCALL_BASE is 0 (arm's asm/unistd.h).
                return (ArmEabiHeaders.FirstOrDefault(File.Exists), new() { ["__NR_SYSCALL_BASE"] = 0 });
            case SyscallArchitecture.X32:
                string? header = Existing(Path.Combine(X86Headers, "unistd_x32.h"));
                string? unistd = Existing(Path.Combine(X86Headers, "unistd.h"));
                if (header is null || unistd is null)
                {
                    return (null, new());
                }
                // __X32_SYSCALL_BIT, as x86's asm/unistd.h defines it.
                var bit = X32BitDefine().Match(File.ReadAllText(unistd));
                Assert.True(bit.Success, $"{unistd} does not define __X32_SYSCALL_BIT");
                return (header, new() { ["__X32_SYSCALL_BIT"] = ParseNumber(bit.Groups[1].Value) });
            default:
                throw new ArgumentOutOfRangeException(nameof(abi), abi, null);
        }
    }

    private static string Describe(SyscallArchitecture abi) => abi switch
    {
        SyscallArchitecture.Arm32 => string.Join(" or ", ArmEabiHeaders),
        SyscallArchitecture.X32 => Path.Combine(X86Headers, "unistd_x32.h"),
        _ => Path.Combine(X86Headers, "unistd_32.h"),
    };

    private static string? Existing(string path) => File.Exists(path) ? path : null;

    /// <summary>Every <c>#define __NR_name N</c> or <c>#define __NR_name (BASE + N)</c> of <paramref name="header"/>, by name.</summary>
    private static Dictionary<string, int> Defines(string header, Dictionary<string, long> baseValues)
    {
        var defines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(header))
        {
            var match = SyscallDefine().Match(line);
            if (!match.Success)
            {
                continue;
            }
            long value = match.Groups["plain"].Success
                ? ParseNumber(match.Groups["plain"].Value)
                : baseValues[match.Groups["base"].Value] + ParseNumber(match.Groups["offset"].Value);
            defines.Add(match.Groups["name"].Value, checked((int)value));
        }
        return defines;
    }

    /// <summary>arm's <c>#define __ARM_NR_name (__ARM_NR_BASE+N)</c>, with <c>__ARM_NR_BASE</c> as EABI defines it (<c>__NR_SYSCALL_BASE</c> 0).</summary>
    private static Dictionary<string, int> ArmPrivateDefines(string unistd)
    {
        string text = File.ReadAllText(unistd);
        var baseDefine = ArmPrivateBaseDefine().Match(text);
        Assert.True(baseDefine.Success, $"{unistd} does not define __ARM_NR_BASE");
        long first = ParseNumber(baseDefine.Groups[1].Value);
        var defines = ArmPrivateDefine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => checked((int)(first + ParseNumber(m.Groups[2].Value))));
        Assert.True(defines.Count >= 2, $"{unistd}: only {defines.Count} private arm syscalls read");
        return defines;
    }

    private static long ParseNumber(string text) => text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        ? long.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : long.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^#define\s+__NR_(?<name>\w+)\s+(?:(?<plain>\d+)|\(\s*(?<base>\w+)\s*\+\s*(?<offset>\d+)\s*\))\s*$")]
    private static partial Regex SyscallDefine();

    [GeneratedRegex(@"^#define\s+__ARM_NR_BASE\s+\(__NR_SYSCALL_BASE\s*\+\s*(0x[0-9a-fA-F]+|\d+)\)", RegexOptions.Multiline)]
    private static partial Regex ArmPrivateBaseDefine();

    [GeneratedRegex(@"^#define\s+__ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)", RegexOptions.Multiline)]
    private static partial Regex ArmPrivateDefine();

    [GeneratedRegex(@"^#define\s+__X32_SYSCALL_BIT\s+(0x[0-9a-fA-F]+|\d+)", RegexOptions.Multiline)]
    private static partial Regex X32BitDefine();
}
