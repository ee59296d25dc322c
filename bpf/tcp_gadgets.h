/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Shared by tcpconnect.bpf.c, tcpaccept.bpf.c and tcptop.bpf.c: the record a TCP connection event crosses into user
 * space with (mirrored by Gadget.Gadgets' TcpEventRecord), and reading a socket's addresses with CO-RE.
 */
#ifndef TCP_GADGETS_H
#define TCP_GADGETS_H

#include "gadget.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1

/* 128 bytes; addresses in network order (IPv4 in the first 4 bytes), ports in host order. */
struct tcp_event {
	u64 timestamp_ns;	/* bpf_ktime_get_boot_ns() */
	u64 cgroup_id;		/* cgroup2 id of the process the event belongs to */
	u64 latency_ns;		/* connect: from SYN_SENT to ESTABLISHED/CLOSE; accept: 0 */
	struct gadget_process proc;	/* connect: the process that called connect(); accept: the one that accepted */
	u32 netns;		/* inode number of the socket's network namespace */
	s32 error;		/* 0, or the positive errno the connection failed with */
	u16 family;		/* AF_INET or AF_INET6 */
	u16 sport;
	u16 dport;
	u16 state;		/* connect: the TCP state reached (1 ESTABLISHED, 7 CLOSE); accept: 1 */
	u8 saddr[16];
	u8 daddr[16];
};

struct tcp_endpoints {
	u32 netns;
	u16 family;
	u16 sport;
	u16 dport;
	u8 saddr[16];
	u8 daddr[16];
};

/* Reads the family, addresses, ports (host order) and network namespace of a socket. Returns false if not AF_INET/6. */
static __always_inline bool read_sock_endpoints(struct sock *sk, struct tcp_endpoints *out)
{
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return false;
	out->family = family;
	out->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	out->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	out->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	__builtin_memset(out->saddr, 0, sizeof(out->saddr));
	__builtin_memset(out->daddr, 0, sizeof(out->daddr));
	if (family == AF_INET) {
		u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(out->saddr, &saddr, 4);
		__builtin_memcpy(out->daddr, &daddr, 4);
	} else {
		BPF_CORE_READ_INTO(&out->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&out->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	return true;
}

static __always_inline bool is_tcp_stream(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && BPF_CORE_READ(sk, sk_type) == SOCK_STREAM;
}

#endif
