using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop;

/// <summary>
/// Writes a seccomp profile from what traceloop recorded: it allows exactly the syscalls the container made (plus
/// <see cref="SeccompProfileOptions.AlwaysAllowed"/>), and refuses every other one.
/// </summary>
public static class SeccompProfileAdvisor
{
    /// <summary>Builds the profile of a recorded history (e.g. <see cref="TraceloopTracer.Dump"/> of a container).</summary>
    /// <param name="history">The recorded syscalls.</param>
    /// <param name="options">Extra allowed syscalls and the errno of refusals.</param>
    /// <param name="table">The syscall table of the recorded machine (x86-64 or arm64); the current architecture's by default.</param>
    /// <exception cref="ArgumentException">The history is empty: there is nothing to learn from; or <paramref name="table"/> is
    /// a 32-bit or x32 table.</exception>
    /// <exception cref="InvalidOperationException">The history is a <see cref="SyscallHistory"/> that does not hold every syscall
    /// (its ring wrapped, or it started late): a profile from it would refuse syscalls the workload made, and kill it; or the
    /// history holds 32-bit syscalls (<see cref="SyscallRecord.Is32Bit"/>) or x32 ones, which the profile cannot allow.</exception>
    public static SeccompProfile Create(IEnumerable<SyscallRecord> history, SeccompProfileOptions? options = null, SyscallTable? table = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history is SyscallHistory { IsComplete: false } incomplete)
        {
            throw new InvalidOperationException(
                $"The recorded history is incomplete ({incomplete.DescribeGaps()}): a seccomp profile from it could refuse syscalls the workload made. " +
                "Record again with a larger ring (TraceloopOptions.PagesPerCpu, traceloop --pages).");
        }
        options ??= new SeccompProfileOptions();
        table ??= SyscallTable.Current;
        if (!table.IsTracedArchitecture)
        {
            throw new ArgumentException($"A seccomp profile is written for the x86-64 or the arm64 table, not {table.Architecture}.", nameof(table));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var recorded = 0;
        foreach (var record in history)
        {
            recorded++;
            if (record.Is32Bit)
            {
                throw new InvalidOperationException(
                    $"The recorded history holds 32-bit syscalls (process {record.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}, " +
                    $"'{record.Command}', 32-bit syscall number {record.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {table.GetDisplayName(record)}): a profile of the " +
                    $"{string.Join(", ", Architectures(table.Architecture))} ABI would refuse them, and this advisor writes no rules for a 32-bit ABI.");
            }
            if (table.Architecture == SyscallArchitecture.X86_64 && record.Number > 0 && (record.Number & Syscall32TableData.X32SyscallBit) != 0)
            {
                // Not in the x86-64 table: left out, the profile would refuse them and kill the process at its first one.
                throw new InvalidOperationException(
                    $"The recorded history holds x32 syscalls (process {record.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}, " +
                    $"'{record.Command}', {table.GetDisplayName(record)}): this advisor writes no rules for the x32 ABI.");
            }
            // rt_sigreturn's exit reports number -1 (the kernel restores orig_ax); the entry carries the real number.
            if (record.Number >= 0 && table.GetName(record.Number) is { } name)
            {
                names.Add(name);
            }
        }
        if (recorded == 0)
        {
            throw new ArgumentException("The history is empty: record the workload first.", nameof(history));
        }
        names.UnionWith(options.AlwaysAllowed);
        return new SeccompProfile(names, Architectures(table.Architecture), options.RefusedErrno);
    }

    private static string[] Architectures(SyscallArchitecture architecture) => architecture switch
    {
        SyscallArchitecture.Arm64 => ["SCMP_ARCH_AARCH64"],
        _ => ["SCMP_ARCH_X86_64"],
    };
}
