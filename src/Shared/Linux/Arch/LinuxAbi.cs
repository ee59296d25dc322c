using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary>
/// The per-architecture ABI values (<c>Arch/X64</c>, <c>Arch/Arm64</c>) of the architecture this process runs on; the
/// packages are AnyCPU, so the choice is made at run time.
/// </summary>
/// <remarks>
/// Only what truly differs between x86-64 and arm64 is here: syscall numbers (x86-64 has its own table, arm64 the
/// asm-generic one) and <c>struct epoll_event</c> (packed on x86-64 only). errno and signal numbers, the open, epoll,
/// eventfd and mmap flags, statx, rlimit, timespec and the perf ioctls are the same on both (LinuxAbiHeaderTests checks
/// that against both architectures' headers).
/// </remarks>
internal static class LinuxAbi
{
    private static readonly ArchitectureAbi? ProcessAbi = Find(RuntimeInformation.ProcessArchitecture);

    /// <summary>The values of this process's architecture.</summary>
    /// <exception cref="PlatformNotSupportedException">The process runs on an architecture Gadget does not support.</exception>
    internal static ArchitectureAbi Current => ProcessAbi ?? throw Unsupported(RuntimeInformation.ProcessArchitecture);

    /// <summary>The values of <paramref name="architecture"/>.</summary>
    /// <exception cref="PlatformNotSupportedException"><paramref name="architecture"/> is neither x86-64 nor arm64.</exception>
    internal static ArchitectureAbi For(Architecture architecture) => Find(architecture) ?? throw Unsupported(architecture);

    private static ArchitectureAbi? Find(Architecture architecture) => architecture switch
    {
        Architecture.X64 => X64Abi.Values,
        Architecture.Arm64 => Arm64Abi.Values,
        _ => null,
    };

    private static PlatformNotSupportedException Unsupported(Architecture architecture) =>
        new($"Gadget supports Linux on x86-64 (X64) and arm64 (Arm64); this process runs on {architecture}, whose syscall numbers and structure layouts it does not know.");
}
