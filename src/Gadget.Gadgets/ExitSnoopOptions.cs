namespace Gadget.Gadgets;

/// <summary>Options of <see cref="ExitSnoop"/>.</summary>
public sealed class ExitSnoopOptions
{
    /// <summary>
    /// Report every thread's exit, not only the thread group leader's (default false: one event per process, when its
    /// leader exits, as libbpf-tools' exitsnoop). Filtered in the kernel.
    /// </summary>
    public bool Threads { get; init; }
}
