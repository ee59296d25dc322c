using System.Collections.Frozen;
using System.Runtime.InteropServices;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Syscall names by number and numbers by name for one architecture (or one 32-bit ABI of a 64-bit kernel), generated
/// from the Linux UAPI headers.
/// </summary>
public sealed class SyscallTable
{
    private static readonly Lazy<SyscallTable> X86Table = new(() => new SyscallTable(SyscallArchitecture.X86_64, SyscallTableData.X86_64NewerThanHeaders, (0, SyscallTableData.X86_64)));
    private static readonly Lazy<SyscallTable> Arm64Table = new(() => new SyscallTable(SyscallArchitecture.Arm64, SyscallTableData.Arm64NewerThanHeaders, (0, SyscallTableData.Arm64)));
    private static readonly Lazy<SyscallTable> I386Table = new(() => new SyscallTable(SyscallArchitecture.I386, Syscall32TableData.I386NewerThanHeaders, (0, Syscall32TableData.I386)));
    private static readonly Lazy<SyscallTable> Arm32Table = new(() => new SyscallTable(SyscallArchitecture.Arm32, Syscall32TableData.Arm32NewerThanHeaders,
        (0, Syscall32TableData.Arm32), (Syscall32TableData.Arm32PrivateFirst, Syscall32TableData.Arm32Private)));
    private static readonly Lazy<SyscallTable> X32Table = new(() =>
        new SyscallTable(SyscallArchitecture.X32, Syscall32TableData.X32NewerThanHeaders, (Syscall32TableData.X32SyscallBit, Syscall32TableData.X32)));

    // Increasing ranges of numbers, each range's Names[i] being syscall First + i: one from 0 (x32's from the x32 bit),
    // and for arm its private syscalls (set_tls, cacheflush) from 0x0f0000.
    private readonly (int First, string?[] Names, string[] DisplayNames)[] ranges;
    private readonly FrozenDictionary<string, int> numbers;

    /// <summary>Numbers added from the kernel's own table because the UAPI headers the table was generated from predate them.</summary>
    internal IReadOnlySet<int> NewerThanHeaders { get; }

    // newerThanHeaders are numbers less the first range's First.
    private SyscallTable(SyscallArchitecture architecture, int[] newerThanHeaders, params (int First, string?[] Names)[] ranges)
    {
        Architecture = architecture;
        NewerThanHeaders = newerThanHeaders.Select(n => ranges[0].First + n).ToHashSet();
        this.ranges = new (int, string?[], string[])[ranges.Length];
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < ranges.Length; r++)
        {
            var (first, names) = ranges[r];
            var displayNames = new string[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                displayNames[i] = names[i] ?? UnknownName(first + i);
                if (names[i] is { } name)
                {
                    byName.TryAdd(name, first + i);
                }
            }
            this.ranges[r] = (first, names, displayNames);
        }
        numbers = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The x86-64 table.</summary>
    public static SyscallTable X86_64 => X86Table.Value;

    /// <summary>The arm64 (asm-generic) table.</summary>
    public static SyscallTable Arm64 => Arm64Table.Value;

    /// <summary>The i386 table: ia32 tasks' syscalls on x86-64 (<see cref="SyscallRecord.Is32Bit"/>).</summary>
    public static SyscallTable I386 => I386Table.Value;

    /// <summary>
    /// The arm EABI table: AArch32 tasks' syscalls on arm64 (<see cref="SyscallRecord.Is32Bit"/>), with arm's private ones
    /// from 0x0f0000 up (<c>set_tls</c>, <c>cacheflush</c>).
    /// </summary>
    public static SyscallTable Arm32 => Arm32Table.Value;

    /// <summary>The x32 table: numbers from 0x40000000 (the kernel's <c>__X32_SYSCALL_BIT</c>) up.</summary>
    public static SyscallTable X32 => X32Table.Value;

    /// <summary>The table of the architecture this process runs on.</summary>
    /// <exception cref="PlatformNotSupportedException">The process architecture is neither x64 nor arm64.</exception>
    public static SyscallTable Current => For(CurrentArchitecture);

    /// <summary>The architecture this process runs on.</summary>
    /// <exception cref="PlatformNotSupportedException">The process architecture is neither x64 nor arm64.</exception>
    public static SyscallArchitecture CurrentArchitecture => RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => SyscallArchitecture.X86_64,
        System.Runtime.InteropServices.Architecture.Arm64 => SyscallArchitecture.Arm64,
        var other => throw new PlatformNotSupportedException($"traceloop has no syscall table for {other}."),
    };

    /// <summary>The table of <paramref name="architecture"/>.</summary>
    public static SyscallTable For(SyscallArchitecture architecture) => architecture switch
    {
        SyscallArchitecture.X86_64 => X86_64,
        SyscallArchitecture.Arm64 => Arm64,
        SyscallArchitecture.I386 => I386,
        SyscallArchitecture.Arm32 => Arm32,
        SyscallArchitecture.X32 => X32,
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Unknown architecture."),
    };

    /// <summary>The architecture (or 32-bit ABI) of this table.</summary>
    public SyscallArchitecture Architecture { get; }

    /// <summary>
    /// The table of the 32-bit ABI this architecture runs 32-bit tasks with, the numbering of a record whose
    /// <see cref="SyscallRecord.Is32Bit"/> is set: <see cref="I386"/> for x86-64, <see cref="Arm32"/> for arm64;
    /// <c>null</c> for the other tables.
    /// </summary>
    public SyscallTable? CompatTable => Architecture switch
    {
        SyscallArchitecture.X86_64 => I386,
        SyscallArchitecture.Arm64 => Arm32,
        _ => null,
    };

    /// <summary>One more than the highest syscall number in the table.</summary>
    public int Count => ranges[^1].First + ranges[^1].Names.Length;

    /// <summary>Every (number, name) pair in the table, by increasing number.</summary>
    public IEnumerable<KeyValuePair<int, string>> Syscalls
    {
        get
        {
            foreach (var (first, names, _) in ranges)
            {
                for (int i = 0; i < names.Length; i++)
                {
                    if (names[i] is { } name)
                    {
                        yield return new(first + i, name);
                    }
                }
            }
        }
    }

    /// <summary>The name of syscall <paramref name="number"/> (e.g. <c>openat</c>), or <c>null</c> when the table does not know it.</summary>
    public string? GetName(int number)
    {
        foreach (var (first, names, _) in ranges)
        {
            int i = unchecked(number - first);
            if ((uint)i < (uint)names.Length)
            {
                return names[i];
            }
        }
        return null;
    }

    /// <summary>
    /// The name of syscall <paramref name="number"/>, or when unknown strace's <c>syscall_0x1c3</c> form (<c>syscall32_N</c>
    /// in the <see cref="I386"/> and <see cref="Arm32"/> tables). Allocates nothing for numbers in the table's range.
    /// </summary>
    public string GetDisplayName(int number)
    {
        foreach (var (first, _, displayNames) in ranges)
        {
            int i = unchecked(number - first);
            if ((uint)i < (uint)displayNames.Length)
            {
                return displayNames[i];
            }
        }
        return UnknownName(number);
    }

    /// <summary>
    /// The name of <paramref name="record"/>'s syscall in the numbering it was made with: this table's, its
    /// <see cref="CompatTable"/>'s for a 32-bit syscall (<see cref="SyscallRecord.Is32Bit"/>), <see cref="X32"/>'s for an
    /// x86-64 number with the x32 bit; <c>null</c> when that numbering does not know it.
    /// </summary>
    public string? GetName(SyscallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return NumberingOf(record)?.GetName(record.Number);
    }

    /// <summary>
    /// The name <paramref name="record"/> is printed with: <see cref="GetName(SyscallRecord)"/>, or when unknown
    /// <c>syscall32_N</c> for a 32-bit syscall and <c>syscall_0x1c3</c> otherwise.
    /// </summary>
    public string GetDisplayName(SyscallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return NumberingOf(record) is { } table ? table.GetDisplayName(record.Number) : Unknown32BitName(record.Number);
    }

    /// <summary>Looks up the number of the syscall called <paramref name="name"/>.</summary>
    /// <returns>Whether the table knows the name.</returns>
    public bool TryGetNumber(string name, out int number) => numbers.TryGetValue(name, out number);

    /// <summary>The number of the syscall called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The table does not know the name.</exception>
    public int GetNumber(string name) =>
        TryGetNumber(name, out int number) ? number : throw new KeyNotFoundException($"No syscall '{name}' on {Architecture}.");

    /// <summary>Whether this table is one of a traced architecture (x86-64, arm64), whose syscalls' arguments traceloop decodes.</summary>
    internal bool IsTracedArchitecture => Architecture is SyscallArchitecture.X86_64 or SyscallArchitecture.Arm64;

    private bool Is32BitAbi => Architecture is SyscallArchitecture.I386 or SyscallArchitecture.Arm32;

    // The table whose numbering a record's number is in; null for a 32-bit record when this table has no 32-bit ABI.
    private SyscallTable? NumberingOf(SyscallRecord record)
    {
        if (record.Is32Bit)
        {
            return Is32BitAbi ? this : CompatTable;
        }
        return Architecture == SyscallArchitecture.X86_64 && record.Number > 0 && (record.Number & Syscall32TableData.X32SyscallBit) != 0 ? X32 : this;
    }

    private string UnknownName(int number) => Is32BitAbi ? Unknown32BitName(number) : $"syscall_0x{(uint)number:x}";

    private static string Unknown32BitName(int number) => $"syscall32_{number.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
