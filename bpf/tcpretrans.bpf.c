/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * tcpretrans: TCP retransmissions, at tcp:tcp_retransmit_skb (Linux 4.16). The tracepoint's own fields moved between
 * kernels (a family field, an err field in 6.x): only skbaddr, skaddr and state, at the same offsets everywhere, are
 * taken from it; the addresses, ports, family and network namespace are read from the socket with CO-RE, the TCP flags
 * from the retransmitted segment's header. Retransmissions run from timers and softirqs: the container is the socket
 * creator's cgroup (sock_owner.h), which the in-kernel filter checks.
 */
#include "tcp_gadgets.h"
#include "sock_owner.h"

struct tcpretrans_event {
	u64 timestamp_ns;	/* bpf_ktime_get_boot_ns() */
	u64 cgroup_id;		/* cgroup2 id of the socket's creator, 0 when unknown */
	u32 netns;		/* inode number of the socket's network namespace */
	u32 state;		/* TCP state of the socket (1 ESTABLISHED, 2 SYN_SENT, ...) */
	u16 family;		/* AF_INET or AF_INET6 */
	u16 sport;		/* host order */
	u16 dport;		/* host order */
	u8 tcpflags;		/* the segment's flags: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	u8 reserved;
	u8 saddr[16];		/* network order, IPv4 in the first 4 bytes */
	u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

/* The fields every kernel's tcp_retransmit_skb puts first (tcp_event_sk_skb before 6.x, its own class after). */
struct tcp_retransmit_skb_args {
	u64 common;
	const void *skbaddr;
	const void *skaddr;
	int state;
};

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_retransmit(struct tcp_retransmit_skb_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	if (!sk)
		return 0;
	u64 cgroup = gadget_sock_cgroup_id(sk);
	if (!gadget_cgroup_selected(cgroup))
		return 0;
	struct tcp_endpoints ep;
	if (!read_sock_endpoints(sk, &ep))
		return 0;
	struct tcpretrans_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = cgroup;
	e->netns = ep.netns;
	e->state = ctx->state;
	e->family = ep.family;
	e->sport = ep.sport;
	e->dport = ep.dport;
	e->reserved = 0;
	e->tcpflags = 0;
	/* A segment being retransmitted carries its TCP header's flags in its control block (tcp_skb_cb.tcp_flags). */
	struct sk_buff *skb = (struct sk_buff *)ctx->skbaddr;
	if (skb) {
		struct tcp_skb_cb *cb = (struct tcp_skb_cb *)&skb->cb[0];
		e->tcpflags = BPF_CORE_READ(cb, tcp_flags);
	}
	__builtin_memcpy(e->saddr, ep.saddr, 16);
	__builtin_memcpy(e->daddr, ep.daddr, 16);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct tcpretrans_event *unused_tcpretrans_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
