namespace Gadget.Gadgets;

/// <summary>
/// tcpaccept: every incoming TCP connection (IPv4 and IPv6) accepted by a process of the selected containers (or of the
/// host), with the accepting process and the local and remote addresses and ports.
/// </summary>
/// <remarks>
/// Built on <c>syscalls:sys_exit_accept4</c> and <c>syscalls:sys_exit_accept</c>: they run in the listening process, so
/// pid, comm and container are the listener's; the descriptor accept returned leads (through the task's file table) to
/// the new socket, whose addresses are read in the kernel. The kernel completes a passive open in softirq context, where
/// the current process is unrelated to the listener; that is why <c>sock:inet_sock_set_state</c> is not used here.
/// Connections that were never accepted (backlog overflow, closed listener) and accepts made through io_uring are not
/// reported.
/// </remarks>
public sealed class TcpAccept : IGadget<TcpAcceptEvent>
{
    private readonly TcpEventStream<TcpAcceptEvent> _stream;

    private TcpAccept(TcpEventStream<TcpAcceptEvent> stream)
    {
        _stream = stream;
        stream.Runtime.Owner = this;
    }

    /// <summary>Accept events the kernel could not queue because the ring buffer was full.</summary>
    public ulong LostEvents => _stream.LostEvents;

    /// <summary>
    /// Raised while <see cref="ReadAsync"/> runs, on the thread reading, when the kernel dropped events because the ring
    /// buffer was full (after the batch read at that wake-up has been handed out). No allocation unless events were lost.
    /// </summary>
    public event EventHandler<EventsLostEventArgs>? EventsLost
    {
        add => _stream.Runtime.EventsLost += value;
        remove => _stream.Runtime.EventsLost -= value;
    }

    /// <summary>Loads and attaches the BPF programs; accepts are recorded from now on.</summary>
    /// <param name="options">Which containers (null selector: every process), and the collection events are resolved with.</param>
    /// <exception cref="ArgumentException">A selector without a container collection.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static TcpAccept Start(GadgetOptions options)
    {
        return new TcpAccept(new TcpEventStream<TcpAcceptEvent>("tcpaccept.bpf.o", options, static (record, runtime) => TcpAcceptEvent.From(record, runtime)));
    }

    /// <summary>The accepted connections, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<TcpAcceptEvent> ReadAsync(CancellationToken cancellationToken = default) => _stream.ReadAsync(cancellationToken);

    /// <summary>Detaches the programs and frees the kernel objects; a pending <see cref="ReadAsync"/> ends.</summary>
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>Detaches the program(s) and frees the kernel objects; a pending <see cref="ReadAsync"/> ends.</summary>
    public void Dispose() => _stream.Dispose();
}
