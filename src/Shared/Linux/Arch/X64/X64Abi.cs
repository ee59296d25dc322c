namespace Gadget.Linux;

/// <summary>x86-64's values (checked against the x86-64 headers by LinuxAbiHeaderTests).</summary>
internal static class X64Abi
{
    /// <summary>
    /// perf_event_open is 298 in x86-64's own table (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>); <c>struct epoll_event</c>
    /// is packed on x86-64 (<c>__EPOLL_PACKED</c>): 12 bytes, <c>data</c> right after the 4-byte <c>events</c>.
    /// </summary>
    internal static ArchitectureAbi Values { get; } = new("x86-64", SysPerfEventOpen: 298, EpollEventSize: 12, EpollEventDataOffset: 4);
}
