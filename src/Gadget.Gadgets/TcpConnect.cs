using TcpEventRecord = Gadget.Gadgets.Bpf.Tcpconnect.TcpEvent;

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
public sealed class TcpConnect : RingBufferGadget<TcpConnectEvent>
{
    private TcpConnect(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF program; connections are recorded from now on.</summary>
    /// <param name="options">Which containers (null selector: every process), and the collection events are resolved with.</param>
    /// <exception cref="ArgumentException">A selector without a container collection.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static TcpConnect Start(GadgetOptions options)
    {
        Gadget.Bpf.BpfEnvironment.EnsureTracefs(); // tracepoints attach through tracefs, not mounted on a fresh machine
        return new(GadgetRuntime.Start("tcpconnect.bpf.o", options));
    }

    private protected override TcpConnectEvent Decode(ReadOnlySpan<byte> record) => record.Length < TcpEventRecord.Size
        ? throw new InvalidDataException($"A TCP event record has {record.Length} bytes, expected {TcpEventRecord.Size}.")
        : TcpConnectEvent.From(RecordView.Of<TcpEventRecord>(record), Runtime);
}
