namespace Gadget.Traceloop.Decoding;

/// <summary>Socket option levels and names, and netlink protocols (Linux UAPI values, the same on x86-64 and arm64).</summary>
internal static class SocketConstants
{
    /// <summary>Socket option levels.</summary>
    public static FlagTable Levels { get; } = new("SOL_??",
        (0, "SOL_IP"), (1, "SOL_SOCKET"), (6, "SOL_TCP"), (17, "SOL_UDP"), (41, "SOL_IPV6"), (58, "SOL_ICMPV6"), (132, "SOL_SCTP"),
        (136, "SOL_UDPLITE"), (255, "SOL_RAW"), (256, "SOL_IPX"), (257, "SOL_AX25"), (258, "SOL_ATALK"), (259, "SOL_NETROM"), (260, "SOL_ROSE"),
        (261, "SOL_DECNET"), (262, "SOL_X25"), (263, "SOL_PACKET"), (264, "SOL_ATM"), (265, "SOL_AAL"), (266, "SOL_IRDA"), (267, "SOL_NETBEUI"),
        (268, "SOL_LLC"), (269, "SOL_DCCP"), (270, "SOL_NETLINK"), (271, "SOL_TIPC"), (272, "SOL_RXRPC"), (273, "SOL_PPPOL2TP"),
        (274, "SOL_BLUETOOTH"), (275, "SOL_PNPIPE"), (276, "SOL_RDS"), (277, "SOL_IUCV"), (278, "SOL_CAIF"), (279, "SOL_ALG"), (280, "SOL_NFC"),
        (281, "SOL_KCM"), (282, "SOL_TLS"), (283, "SOL_XDP"), (284, "SOL_MPTCP"), (285, "SOL_MCTP"), (286, "SOL_SMC"));

    /// <summary>SOL_SOCKET options.</summary>
    public static FlagTable SocketOptions { get; } = new("SO_???",
        (1, "SO_DEBUG"), (2, "SO_REUSEADDR"), (3, "SO_TYPE"), (4, "SO_ERROR"), (5, "SO_DONTROUTE"), (6, "SO_BROADCAST"), (7, "SO_SNDBUF"),
        (8, "SO_RCVBUF"), (9, "SO_KEEPALIVE"), (10, "SO_OOBINLINE"), (11, "SO_NO_CHECK"), (12, "SO_PRIORITY"), (13, "SO_LINGER"),
        (14, "SO_BSDCOMPAT"), (15, "SO_REUSEPORT"), (16, "SO_PASSCRED"), (17, "SO_PEERCRED"), (18, "SO_RCVLOWAT"), (19, "SO_SNDLOWAT"),
        (20, "SO_RCVTIMEO_OLD"), (21, "SO_SNDTIMEO_OLD"), (22, "SO_SECURITY_AUTHENTICATION"), (23, "SO_SECURITY_ENCRYPTION_TRANSPORT"),
        (24, "SO_SECURITY_ENCRYPTION_NETWORK"), (25, "SO_BINDTODEVICE"), (26, "SO_ATTACH_FILTER"), (27, "SO_DETACH_FILTER"),
        (28, "SO_PEERNAME"), (29, "SO_TIMESTAMP_OLD"), (30, "SO_ACCEPTCONN"), (31, "SO_PEERSEC"), (32, "SO_SNDBUFFORCE"),
        (33, "SO_RCVBUFFORCE"), (34, "SO_PASSSEC"), (35, "SO_TIMESTAMPNS_OLD"), (36, "SO_MARK"), (37, "SO_TIMESTAMPING_OLD"),
        (38, "SO_PROTOCOL"), (39, "SO_DOMAIN"), (40, "SO_RXQ_OVFL"), (41, "SO_WIFI_STATUS"), (42, "SO_PEEK_OFF"), (43, "SO_NOFCS"),
        (44, "SO_LOCK_FILTER"), (45, "SO_SELECT_ERR_QUEUE"), (46, "SO_BUSY_POLL"), (47, "SO_MAX_PACING_RATE"), (48, "SO_BPF_EXTENSIONS"),
        (49, "SO_INCOMING_CPU"), (50, "SO_ATTACH_BPF"), (51, "SO_ATTACH_REUSEPORT_CBPF"), (52, "SO_ATTACH_REUSEPORT_EBPF"),
        (53, "SO_CNX_ADVICE"), (55, "SO_MEMINFO"), (56, "SO_INCOMING_NAPI_ID"), (57, "SO_COOKIE"), (59, "SO_PEERGROUPS"),
        (60, "SO_ZEROCOPY"), (61, "SO_TXTIME"), (62, "SO_BINDTOIFINDEX"), (63, "SO_TIMESTAMP_NEW"), (64, "SO_TIMESTAMPNS_NEW"),
        (65, "SO_TIMESTAMPING_NEW"), (66, "SO_RCVTIMEO_NEW"), (67, "SO_SNDTIMEO_NEW"), (68, "SO_DETACH_REUSEPORT_BPF"),
        (69, "SO_PREFER_BUSY_POLL"), (70, "SO_BUSY_POLL_BUDGET"), (71, "SO_NETNS_COOKIE"), (72, "SO_BUF_LOCK"), (73, "SO_RESERVE_MEM"),
        (74, "SO_TXREHASH"), (75, "SO_RCVMARK"));

    /// <summary>SOL_IP options.</summary>
    public static FlagTable IpOptions { get; } = new("IP_???",
        (1, "IP_TOS"), (2, "IP_TTL"), (3, "IP_HDRINCL"), (4, "IP_OPTIONS"), (5, "IP_ROUTER_ALERT"), (6, "IP_RECVOPTS"), (7, "IP_RETOPTS"),
        (8, "IP_PKTINFO"), (9, "IP_PKTOPTIONS"), (10, "IP_MTU_DISCOVER"), (11, "IP_RECVERR"), (12, "IP_RECVTTL"), (13, "IP_RECVTOS"),
        (14, "IP_MTU"), (15, "IP_FREEBIND"), (16, "IP_IPSEC_POLICY"), (17, "IP_XFRM_POLICY"), (18, "IP_PASSSEC"), (19, "IP_TRANSPARENT"),
        (20, "IP_ORIGDSTADDR"), (21, "IP_MINTTL"), (22, "IP_NODEFRAG"), (23, "IP_CHECKSUM"), (24, "IP_BIND_ADDRESS_NO_PORT"),
        (25, "IP_RECVFRAGSIZE"), (26, "IP_RECVERR_RFC4884"), (32, "IP_MULTICAST_IF"), (33, "IP_MULTICAST_TTL"), (34, "IP_MULTICAST_LOOP"),
        (35, "IP_ADD_MEMBERSHIP"), (36, "IP_DROP_MEMBERSHIP"), (37, "IP_UNBLOCK_SOURCE"), (38, "IP_BLOCK_SOURCE"),
        (39, "IP_ADD_SOURCE_MEMBERSHIP"), (40, "IP_DROP_SOURCE_MEMBERSHIP"), (41, "IP_MSFILTER"), (49, "IP_MULTICAST_ALL"), (50, "IP_UNICAST_IF"));

    /// <summary>SOL_IPV6 options.</summary>
    public static FlagTable Ipv6Options { get; } = new("IPV6_???",
        (1, "IPV6_ADDRFORM"), (2, "IPV6_2292PKTINFO"), (3, "IPV6_2292HOPOPTS"), (4, "IPV6_2292DSTOPTS"), (5, "IPV6_2292RTHDR"),
        (6, "IPV6_2292PKTOPTIONS"), (7, "IPV6_CHECKSUM"), (8, "IPV6_2292HOPLIMIT"), (9, "IPV6_NEXTHOP"), (10, "IPV6_AUTHHDR"),
        (11, "IPV6_FLOWINFO"), (16, "IPV6_UNICAST_HOPS"), (17, "IPV6_MULTICAST_IF"), (18, "IPV6_MULTICAST_HOPS"), (19, "IPV6_MULTICAST_LOOP"),
        (20, "IPV6_ADD_MEMBERSHIP"), (21, "IPV6_DROP_MEMBERSHIP"), (22, "IPV6_ROUTER_ALERT"), (23, "IPV6_MTU_DISCOVER"), (24, "IPV6_MTU"),
        (25, "IPV6_RECVERR"), (26, "IPV6_V6ONLY"), (27, "IPV6_JOIN_ANYCAST"), (28, "IPV6_LEAVE_ANYCAST"), (29, "IPV6_MULTICAST_ALL"),
        (30, "IPV6_ROUTER_ALERT_ISOLATE"), (31, "IPV6_RECVERR_RFC4884"), (49, "IPV6_RECVPKTINFO"), (50, "IPV6_PKTINFO"),
        (51, "IPV6_RECVHOPLIMIT"), (52, "IPV6_HOPLIMIT"), (53, "IPV6_RECVHOPOPTS"), (54, "IPV6_HOPOPTS"), (55, "IPV6_RTHDRDSTOPTS"),
        (56, "IPV6_RECVRTHDR"), (57, "IPV6_RTHDR"), (58, "IPV6_RECVDSTOPTS"), (59, "IPV6_DSTOPTS"), (60, "IPV6_RECVPATHMTU"),
        (61, "IPV6_PATHMTU"), (62, "IPV6_DONTFRAG"), (66, "IPV6_RECVTCLASS"), (67, "IPV6_TCLASS"), (70, "IPV6_AUTOFLOWLABEL"),
        (72, "IPV6_ADDR_PREFERENCES"), (73, "IPV6_MINHOPCOUNT"), (74, "IPV6_ORIGDSTADDR"), (75, "IPV6_TRANSPARENT"), (76, "IPV6_UNICAST_IF"),
        (77, "IPV6_RECVFRAGSIZE"), (78, "IPV6_FREEBIND"));

    /// <summary>SOL_TCP options.</summary>
    public static FlagTable TcpOptions { get; } = new("TCP_???",
        (1, "TCP_NODELAY"), (2, "TCP_MAXSEG"), (3, "TCP_CORK"), (4, "TCP_KEEPIDLE"), (5, "TCP_KEEPINTVL"), (6, "TCP_KEEPCNT"), (7, "TCP_SYNCNT"),
        (8, "TCP_LINGER2"), (9, "TCP_DEFER_ACCEPT"), (10, "TCP_WINDOW_CLAMP"), (11, "TCP_INFO"), (12, "TCP_QUICKACK"), (13, "TCP_CONGESTION"),
        (14, "TCP_MD5SIG"), (16, "TCP_THIN_LINEAR_TIMEOUTS"), (17, "TCP_THIN_DUPACK"), (18, "TCP_USER_TIMEOUT"), (19, "TCP_REPAIR"),
        (20, "TCP_REPAIR_QUEUE"), (21, "TCP_QUEUE_SEQ"), (22, "TCP_REPAIR_OPTIONS"), (23, "TCP_FASTOPEN"), (24, "TCP_TIMESTAMP"),
        (25, "TCP_NOTSENT_LOWAT"), (26, "TCP_CC_INFO"), (27, "TCP_SAVE_SYN"), (28, "TCP_SAVED_SYN"), (29, "TCP_REPAIR_WINDOW"),
        (30, "TCP_FASTOPEN_CONNECT"), (31, "TCP_ULP"), (32, "TCP_MD5SIG_EXT"), (33, "TCP_FASTOPEN_KEY"), (34, "TCP_FASTOPEN_NO_COOKIE"),
        (35, "TCP_ZEROCOPY_RECEIVE"), (36, "TCP_INQ"), (37, "TCP_TX_DELAY"));

    /// <summary>SOL_UDP options.</summary>
    public static FlagTable UdpOptions { get; } = new("UDP_???",
        (1, "UDP_CORK"), (100, "UDP_ENCAP"), (101, "UDP_NO_CHECK6_TX"), (102, "UDP_NO_CHECK6_RX"), (103, "UDP_SEGMENT"), (104, "UDP_GRO"));

    /// <summary>Netlink protocols (socket's protocol for AF_NETLINK).</summary>
    public static FlagTable NetlinkProtocols { get; } = new("NETLINK_???",
        (0, "NETLINK_ROUTE"), (1, "NETLINK_UNUSED"), (2, "NETLINK_USERSOCK"), (3, "NETLINK_FIREWALL"), (4, "NETLINK_SOCK_DIAG"),
        (5, "NETLINK_NFLOG"), (6, "NETLINK_XFRM"), (7, "NETLINK_SELINUX"), (8, "NETLINK_ISCSI"), (9, "NETLINK_AUDIT"),
        (10, "NETLINK_FIB_LOOKUP"), (11, "NETLINK_CONNECTOR"), (12, "NETLINK_NETFILTER"), (13, "NETLINK_IP6_FW"), (14, "NETLINK_DNRTMSG"),
        (15, "NETLINK_KOBJECT_UEVENT"), (16, "NETLINK_GENERIC"), (18, "NETLINK_SCSITRANSPORT"), (19, "NETLINK_ECRYPTFS"), (20, "NETLINK_RDMA"),
        (21, "NETLINK_CRYPTO"), (22, "NETLINK_SMC"));

    /// <summary>The option names of <paramref name="level"/>, or <c>null</c> (the name is then printed in decimal).</summary>
    public static FlagTable? OptionsOf(uint level) => level switch
    {
        0 => IpOptions,
        1 => SocketOptions,
        6 => TcpOptions,
        17 => UdpOptions,
        41 => Ipv6Options,
        _ => null,
    };
}
