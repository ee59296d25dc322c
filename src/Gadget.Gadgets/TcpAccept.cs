using TcpEventRecord = Gadget.Gadgets.Bpf.Tcpconnect.TcpEvent;

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
public sealed class TcpAccept : RingBufferGadget<TcpAcceptEvent>
{
    private TcpAccept(GadgetRuntime runtime)
        : base(runtime)
    {
    }

    /// <summary>Loads and attaches the BPF programs; accepts are recorded from now on.</summary>
    /// <param name="options">Which containers (null selector: every process), and the collection events are resolved with.</param>
    /// <exception cref="ArgumentException">A selector without a container collection.</exception>
    /// <exception cref="Gadget.Bpf.BpfException">Loading or attaching failed.</exception>
    public static TcpAccept Start(GadgetOptions options)
    {
        Gadget.Bpf.BpfEnvironment.EnsureTracefs(); // tracepoints attach through tracefs, not mounted on a fresh machine
        return new(GadgetRuntime.Start("tcpaccept.bpf.o", options));
    }

    private protected override TcpAcceptEvent Decode(ReadOnlySpan<byte> record) => record.Length < TcpEventRecord.Size
        ? throw new InvalidDataException($"A TCP event record has {record.Length} bytes, expected {TcpEventRecord.Size}.")
        : TcpAcceptEvent.From(RecordView.Of<TcpEventRecord>(record), Runtime);
}
