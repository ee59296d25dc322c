namespace Gadget.Linux;

/// <summary>The ABI values that differ between the Linux architectures Gadget supports, for one of them.</summary>
/// <param name="Name">The architecture's name, e.g. <c>x86-64</c>.</param>
/// <param name="SysPerfEventOpen"><c>__NR_perf_event_open</c>.</param>
/// <param name="EpollEventSize"><c>sizeof(struct epoll_event)</c>.</param>
/// <param name="EpollEventDataOffset"><c>offsetof(struct epoll_event, data)</c>.</param>
internal sealed record ArchitectureAbi(string Name, long SysPerfEventOpen, int EpollEventSize, int EpollEventDataOffset);
