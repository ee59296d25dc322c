using System.Collections.Frozen;
using System.Runtime.InteropServices;

namespace Gadget.Traceloop.Decoding;

/// <summary>Syscall names by number and numbers by name for one architecture, generated from the Linux UAPI headers.</summary>
public sealed class SyscallTable
{
    private static readonly Lazy<SyscallTable> X86Table = new(() => new SyscallTable(SyscallArchitecture.X86_64, SyscallTableData.X86_64, SyscallTableData.X86_64NewerThanHeaders));
    private static readonly Lazy<SyscallTable> Arm64Table = new(() => new SyscallTable(SyscallArchitecture.Arm64, SyscallTableData.Arm64, SyscallTableData.Arm64NewerThanHeaders));

    private readonly string?[] names;
    private readonly string[] displayNames;
    private readonly FrozenDictionary<string, int> numbers;

    /// <summary>Numbers added from the kernel's own table because the UAPI headers the table was generated from predate them.</summary>
    internal IReadOnlySet<int> NewerThanHeaders { get; }

    private SyscallTable(SyscallArchitecture architecture, string?[] names, int[] newerThanHeaders)
    {
        NewerThanHeaders = newerThanHeaders.ToHashSet();
        Architecture = architecture;
        this.names = names;
        displayNames = new string[names.Length];
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            displayNames[i] = names[i] ?? UnknownName(i);
            if (names[i] is { } name)
            {
                byName.TryAdd(name, i);
            }
        }
        numbers = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The x86-64 table.</summary>
    public static SyscallTable X86_64 => X86Table.Value;

    /// <summary>The arm64 (asm-generic) table.</summary>
    public static SyscallTable Arm64 => Arm64Table.Value;

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
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Unknown architecture."),
    };

    /// <summary>The architecture of this table.</summary>
    public SyscallArchitecture Architecture { get; }

    /// <summary>One more than the highest syscall number in the table.</summary>
    public int Count => names.Length;

    /// <summary>Every (number, name) pair in the table, by increasing number.</summary>
    public IEnumerable<KeyValuePair<int, string>> Syscalls
    {
        get
        {
            for (int i = 0; i < names.Length; i++)
            {
                if (names[i] is { } name)
                {
                    yield return new(i, name);
                }
            }
        }
    }

    /// <summary>The name of syscall <paramref name="number"/> (e.g. <c>openat</c>), or <c>null</c> when the table does not know it.</summary>
    public string? GetName(int number) => (uint)number < (uint)names.Length ? names[number] : null;

    /// <summary>The name of syscall <paramref name="number"/>, or strace's <c>syscall_0x1c3</c> form when unknown. Allocates nothing for numbers in the table's range.</summary>
    public string GetDisplayName(int number) => (uint)number < (uint)displayNames.Length ? displayNames[number] : UnknownName(number);

    /// <summary>Looks up the number of the syscall called <paramref name="name"/>.</summary>
    /// <returns>Whether the table knows the name.</returns>
    public bool TryGetNumber(string name, out int number) => numbers.TryGetValue(name, out number);

    /// <summary>The number of the syscall called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The table does not know the name.</exception>
    public int GetNumber(string name) =>
        TryGetNumber(name, out int number) ? number : throw new KeyNotFoundException($"No syscall '{name}' on {Architecture}.");

    private static string UnknownName(int number) => $"syscall_0x{(uint)number:x}";

    /// <summary>
    /// The name a record is printed with: this table's name of its number, or <c>syscall32_N</c> for a 32-bit syscall
    /// (<see cref="SyscallRecord.Is32Bit"/>, whose numbering this table does not hold).
    /// </summary>
    internal string GetDisplayName(SyscallRecord record) =>
        record.Is32Bit ? $"syscall32_{record.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : GetDisplayName(record.Number);
}
