namespace Gadget.Gadgets;

/// <summary>The flags of a TCP segment's header (byte 13).</summary>
[Flags]
public enum TcpFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>FIN: no more data from the sender.</summary>
    Fin = 0x01,

    /// <summary>SYN: synchronize sequence numbers.</summary>
    Syn = 0x02,

    /// <summary>RST: reset the connection.</summary>
    Rst = 0x04,

    /// <summary>PSH: push.</summary>
    Psh = 0x08,

    /// <summary>ACK: the acknowledgment field is significant.</summary>
    Ack = 0x10,

    /// <summary>URG: the urgent pointer is significant.</summary>
    Urg = 0x20,

    /// <summary>ECE: ECN echo.</summary>
    Ece = 0x40,

    /// <summary>CWR: congestion window reduced.</summary>
    Cwr = 0x80,
}
