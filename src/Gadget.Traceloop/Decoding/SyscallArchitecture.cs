namespace Gadget.Traceloop.Decoding;

/// <summary>An instruction set whose syscall numbering traceloop knows.</summary>
public enum SyscallArchitecture
{
    /// <summary>x86-64 (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>).</summary>
    X86_64,

    /// <summary>arm64 (the asm-generic table, <c>include/uapi/asm-generic/unistd.h</c>).</summary>
    Arm64,
}
