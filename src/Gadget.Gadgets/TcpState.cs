namespace Gadget.Gadgets;

/// <summary>A TCP socket's state, numbered as the Linux kernel numbers it (include/net/tcp_states.h).</summary>
public enum TcpState
{
    /// <summary>No socket (a packet that found none), or a state not known.</summary>
    None = 0,

    /// <summary>TCP_ESTABLISHED.</summary>
    Established = 1,

    /// <summary>TCP_SYN_SENT: connecting.</summary>
    SynSent = 2,

    /// <summary>TCP_SYN_RECV: a fast-open child socket before the handshake ends.</summary>
    SynReceived = 3,

    /// <summary>TCP_FIN_WAIT1.</summary>
    FinWait1 = 4,

    /// <summary>TCP_FIN_WAIT2.</summary>
    FinWait2 = 5,

    /// <summary>TCP_TIME_WAIT.</summary>
    TimeWait = 6,

    /// <summary>TCP_CLOSE (also an unconnected UDP socket's state).</summary>
    Close = 7,

    /// <summary>TCP_CLOSE_WAIT.</summary>
    CloseWait = 8,

    /// <summary>TCP_LAST_ACK.</summary>
    LastAck = 9,

    /// <summary>TCP_LISTEN.</summary>
    Listen = 10,

    /// <summary>TCP_CLOSING.</summary>
    Closing = 11,

    /// <summary>TCP_NEW_SYN_RECV: a request socket (a SYN answered, the handshake not finished).</summary>
    NewSynReceived = 12,
}
