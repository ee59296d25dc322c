namespace Gadget.Linux;

/// <summary>
/// errno numbers, names and the C library's descriptions, from one table (<see cref="ErrnoTable"/>, generated from the
/// UAPI headers and glibc's strerror texts).
/// </summary>
/// <remarks>
/// x86-64 and arm64 both use the asm-generic numbering (<c>include/uapi/asm-generic/errno*.h</c>), so one table serves
/// both; only alpha, mips, parisc and sparc have their own numbers (e.g. EAGAIN is 35 on alpha and sparc), and Gadget
/// does not run there. Numbers 512 and up are kernel-internal (<c>include/linux/errno.h</c>): a syscall exit or a BPF
/// call can report them, but no user-space header defines them. LinuxAbiHeaderTests checks the table and these constants
/// against both architectures' headers.
/// </remarks>
internal static class LinuxErrno
{
    // The errno values Gadget's code tests for, by name (the table below has them all).
    internal const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13;
    internal const int EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, ENOTDIR = 20, EINVAL = 22, ENFILE = 23, EMFILE = 24;
    internal const int EFBIG = 27, ENOSPC = 28, ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;

    /// <summary>The kernel-internal "operation not supported" (BPF returns it); not in any user-space header.</summary>
    internal const int ENOTSUPP = 524;

    private static readonly string?[] Names;
    private static readonly string?[] Descriptions;

    static LinuxErrno()
    {
        var entries = ErrnoTable.Entries;
        var size = entries[^1].Number + 1;
        Names = new string?[size];
        Descriptions = new string?[size];
        foreach (var (number, name, description) in entries)
        {
            Names[number] = name;
            Descriptions[number] = description;
        }
    }

    /// <summary>The name of errno <paramref name="errno"/> (positive), e.g. <c>ENOENT</c>, or <c>null</c> when unknown.</summary>
    internal static string? Name(int errno) => (uint)errno < (uint)Names.Length ? Names[errno] : null;

    /// <summary>The C library's description of <paramref name="errno"/> (strace prints it), or <c>null</c> when unknown.</summary>
    internal static string? Description(int errno) => (uint)errno < (uint)Descriptions.Length ? Descriptions[errno] : null;

    /// <summary>Whether <paramref name="errno"/> is a kernel-internal restart code (ERESTARTSYS and friends): the syscall is restarted after a signal.</summary>
    internal static bool IsRestart(int errno) => errno is 512 or 513 or 514 or 516;
}
