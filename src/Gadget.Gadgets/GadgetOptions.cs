using Gadget.Containers;
using Microsoft.Extensions.Logging;

namespace Gadget.Gadgets;

/// <summary>
/// What a gadget traces and how it reports: the container collection that resolves an event's cgroup to its
/// <see cref="Container"/>, the selector whose containers are traced (filtered in the kernel), and a logger.
/// </summary>
public sealed record GadgetOptions
{
    /// <summary>
    /// The containers known on this machine: events carry the <see cref="Container"/> their cgroup belongs to.
    /// Null: events carry no container. Required when <see cref="Selector"/> is set.
    /// </summary>
    public ContainerCollection? Containers { get; init; }

    /// <summary>
    /// Which containers to trace: only their processes' events leave the kernel (the gadget's BPF program looks the
    /// current cgroup up in the selection's map). Null: every process on the host, containers or not.
    /// <see cref="ContainerSelector.All"/>: every container, but no host process.
    /// </summary>
    public ContainerSelector? Selector { get; init; }

    /// <summary>
    /// The size in bytes of the gadget's events ring buffer (what the kernel holds until <c>ReadAsync</c> takes it): a
    /// power of two of at least one page. 0 (the default): the gadget's own size (4 MiB for execsnoop and opensnoop).
    /// A smaller ring uses less locked memory and loses events sooner (see the gadgets' <c>EventsLost</c>).
    /// Not used by <see cref="TcpTop"/>, which has no events ring.
    /// </summary>
    public int RingBufferSize { get; init; }

    /// <summary>
    /// Fewer wake-ups under load, later events: when records arrive within 100 ms of the last read, the gadget's
    /// <c>ReadAsync</c> waits this long after a wake-up before reading the ring, so that the records of that time gather
    /// without the kernel notifying the reader for each (it notifies only a reader that has caught up). The wait blocks
    /// the thread reading (the reader's own waiter thread when the wait for records had to block). Zero (the default): every
    /// wake-up is read at once. A few tens of milliseconds suit a tool writing to a file or a pipe (<c>gadgets
    /// --output-buffering</c> uses 20 ms); the ring must hold what arrives meanwhile (see <see cref="RingBufferSize"/>).
    /// </summary>
    public TimeSpan BatchDelay { get; init; }

    /// <summary>Where diagnostics go (load, attach, lost events); null: nowhere.</summary>
    public ILogger? Logger { get; init; }
}
