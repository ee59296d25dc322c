namespace Gadget.Linux;

/// <summary>arm64's values (checked against the aarch64 cross headers by LinuxAbiHeaderTests).</summary>
internal static class Arm64Abi
{
    /// <summary>
    /// perf_event_open is 241 in the asm-generic table arm64 uses (<c>include/uapi/asm-generic/unistd.h</c>);
    /// <c>struct epoll_event</c> is not packed on arm64: the 64-bit <c>data</c> is aligned, at 8, and the structure takes 16 bytes.
    /// </summary>
    internal static ArchitectureAbi Values { get; } = new("arm64", SysPerfEventOpen: 241, EpollEventSize: 16, EpollEventDataOffset: 8);
}
