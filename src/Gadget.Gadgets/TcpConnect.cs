namespace Gadget.Gadgets;

/// <summary>
/// tcpconnect: every outgoing TCP connection (IPv4 and IPv6) of the selected containers (or of the host), with the
/// connecting process, the addresses and ports, the latency and the result (established, or the errno it failed with).
/// </summary>
/// <remarks>
/// Built on the <c>sock:inet_sock_set_state</c> tracepoint: the CLOSE-&gt;SYN_SENT transition runs inside
/// <c>connect()</c>, so the process context (pid, comm, cgroup) is taken there and kept per socket in the kernel (only
/// for selected cgroups); the end of the handshake (SYN_SENT-&gt;ESTABLISHED, or -&gt;CLOSE with the socket's
/// <c>sk_err</c>) emits the event. Connections that fail inside <c>connect()</c> before a SYN is sent (e.g. ENETUNREACH
/// from routing) are not reported.
/// </remarks>
public sealed class TcpConnect : IGadget<TcpConnectEvent>
{
    private readonly TcpEventStream<TcpConnectEvent> _stream;

    private TcpConnect(TcpEventStream<TcpConnectEvent> stream)
    {
        _stream = stream;
        stream.Runtime.Owner = this;
    }

    /// <summary>Connection events the kernel could not queue because the ring buffer was full.</summary>
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

    /// <summary>Loads and attaches the BPF program; connections are recorded from now on.</summary>
    /// <param name="options">Which containers (null selector: every process), and the collection events are resolved with.</param>
    /// <exception cref="ArgumentException">A selector without a container collection.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static TcpConnect Start(GadgetOptions options)
    {
        return new TcpConnect(new TcpEventStream<TcpConnectEvent>("tcpconnect.bpf.o", options, static (record, runtime) => TcpConnectEvent.From(record, runtime)));
    }

    /// <summary>The connections as their handshakes end, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<TcpConnectEvent> ReadAsync(CancellationToken cancellationToken = default) => _stream.ReadAsync(cancellationToken);

    /// <summary>Detaches the program and frees the kernel objects; a pending <see cref="ReadAsync"/> ends.</summary>
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>Detaches the program(s) and frees the kernel objects; a pending <see cref="ReadAsync"/> ends.</summary>
    public void Dispose() => _stream.Dispose();
}
