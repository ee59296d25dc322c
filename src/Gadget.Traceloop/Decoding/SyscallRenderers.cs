namespace Gadget.Traceloop.Decoding;

/// <summary>The syscall families with their own renderer; every other syscall is rendered by <see cref="GenericRenderer"/>.</summary>
internal static class SyscallRenderers
{
    /// <summary>Each family's renderer (each declares its syscalls).</summary>
    public static IReadOnlyList<SyscallRenderer> Families { get; } =
    [
        FileRenderer.Instance, StatRenderer.Instance, MemoryRenderer.Instance, ProcessRenderer.Instance, SignalRenderer.Instance,
        SocketRenderer.Instance, CloneRenderer.Instance, FcntlRenderer.Instance, IoctlRenderer.Instance, PrctlRenderer.Instance,
        FutexRenderer.Instance, TimeRenderer.Instance, SystemRenderer.Instance, PollRenderer.Instance,
    ];

    /// <summary>The renderer of a syscall with decoder <paramref name="decoder"/> (<c>null</c>: unknown syscall).</summary>
    public static SyscallRenderer For(SyscallDecoder? decoder) => decoder?.Renderer ?? GenericRenderer.Instance;
}
