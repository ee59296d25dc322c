namespace Gadget.Traceloop.Decoding;

/// <summary>
/// A syscall numbering traceloop knows: an instruction set's, or one of the ABIs a 64-bit kernel also runs for 32-bit
/// tasks (<see cref="I386"/>, <see cref="Arm32"/>) and x32 programs (<see cref="X32"/>). Only <see cref="X86_64"/> and
/// <see cref="Arm64"/> are traced architectures with decoded arguments; the others only name syscalls.
/// </summary>
public enum SyscallArchitecture
{
    /// <summary>x86-64 (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>).</summary>
    X86_64,

    /// <summary>arm64 (the asm-generic table, <c>include/uapi/asm-generic/unistd.h</c>).</summary>
    Arm64,

    /// <summary>i386, as x86-64 runs ia32 tasks (<c>int 0x80</c>, <c>arch/x86/entry/syscalls/syscall_32.tbl</c>).</summary>
    I386,

    /// <summary>The arm EABI numbering, as arm64 runs AArch32 tasks (<c>arch/arm/tools/syscall.tbl</c>).</summary>
    Arm32,

    /// <summary>x32 on x86-64: x86-64 numbers with the kernel's <c>__X32_SYSCALL_BIT</c> (0x40000000) set, some of them x32's own.</summary>
    X32,
}
