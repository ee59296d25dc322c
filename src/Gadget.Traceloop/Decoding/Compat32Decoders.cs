using System.Collections.Frozen;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// The few 32-bit syscalls (<see cref="SyscallRecord.Is32Bit"/>) whose arguments are printed as strace prints them: those
/// whose arguments are, in i386's and AArch32's registers alike, plain 32-bit integers or an address printed as a number
/// (nothing behind a 32-bit syscall's pointers is captured). Listed by their 32-bit name, never taken from the 64-bit
/// decoder of the same number or name: numbering, argument order (clone), register pairs for 64-bit values (pread64,
/// ftruncate64) and structure layouts differ. Every other 32-bit syscall prints its six registers in hex.
/// </summary>
internal static class Compat32Decoders
{
    private static readonly FrozenDictionary<string, ArgumentFormat[]> FormatsByName = new Dictionary<string, ArgumentFormat[]>(StringComparer.Ordinal)
    {
        // No argument (i386's getuid and friends are the 16-bit ones, still without argument).
        ["restart_syscall"] = [], ["getpid"] = [], ["getppid"] = [], ["gettid"] = [], ["getpgrp"] = [], ["setsid"] = [],
        ["getuid"] = [], ["geteuid"] = [], ["getgid"] = [], ["getegid"] = [],
        ["getuid32"] = [], ["geteuid32"] = [], ["getgid32"] = [], ["getegid32"] = [],
        ["sync"] = [], ["sched_yield"] = [], ["pause"] = [], ["fork"] = [], ["vfork"] = [],
        // An int: the exit status, a file descriptor.
        ["exit"] = [ArgumentFormat.Int], ["exit_group"] = [ArgumentFormat.Int],
        ["close"] = [ArgumentFormat.Fd], ["dup"] = [ArgumentFormat.Fd], ["fsync"] = [ArgumentFormat.Fd], ["fdatasync"] = [ArgumentFormat.Fd],
        // A descriptor, the buffer's address, a 32-bit byte count.
        ["read"] = [ArgumentFormat.Fd, ArgumentFormat.Pointer, ArgumentFormat.UInt],
        ["write"] = [ArgumentFormat.Fd, ArgumentFormat.Pointer, ArgumentFormat.UInt],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, SyscallDecoder> X86_64 = Build(SyscallArchitecture.X86_64);
    private static readonly FrozenDictionary<string, SyscallDecoder> Arm64 = Build(SyscallArchitecture.Arm64);

    /// <summary>The names with a decoder.</summary>
    public static IEnumerable<string> Names => FormatsByName.Keys;

    /// <summary>
    /// The decoder of the 32-bit syscall called <paramref name="name"/> (its name in the traced architecture's 32-bit
    /// ABI, <see cref="SyscallTable.CompatTable"/>), or <c>null</c>: its registers are then printed raw.
    /// </summary>
    public static SyscallDecoder? For(string? name, SyscallArchitecture traced)
    {
        if (name is null)
        {
            return null;
        }
        var decoders = traced == SyscallArchitecture.Arm64 ? Arm64 : X86_64;
        return decoders.GetValueOrDefault(name);
    }

    private static FrozenDictionary<string, SyscallDecoder> Build(SyscallArchitecture traced) =>
        FormatsByName.ToFrozenDictionary(
            entry => entry.Key,
            entry => new SyscallDecoder(entry.Key, entry.Value, Enumerable.Repeat((sbyte)-1, entry.Value.Length).ToArray(), hexReturn: false, traced, GenericRenderer.Instance),
            StringComparer.Ordinal);
}
