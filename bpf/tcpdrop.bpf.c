/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * tcpdrop: TCP segments the kernel dropped, with the kernel's reason, at skb:kfree_skb (its 'reason' field, enum
 * skb_drop_reason, is there from Linux 5.17; user space refuses older kernels before loading). Only IPv4/IPv6 packets
 * carrying TCP: addresses and ports are read from the packet's own headers (skb->head + network_header), so a segment
 * that found no socket (NO_SOCKET) is reported too. The socket, when there is one (rx_sk from Linux 6.10, else
 * skb->sk), gives the state, network namespace and container (its creator's cgroup, sock_owner.h); with a container
 * filter, drops without a socket of a selected container are not reported.
 */
#include "tcp_gadgets.h"
#include "sock_owner.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

struct tcpdrop_event {
	u64 timestamp_ns;	/* bpf_ktime_get_boot_ns() */
	u64 cgroup_id;		/* cgroup2 id of the socket's creator, 0 without a socket (or unknown) */
	u32 netns;		/* inode number of the socket's (else the device's) network namespace, 0 when neither is known */
	u32 reason;		/* enum skb_drop_reason, as the running kernel numbers it */
	u16 family;		/* AF_INET or AF_INET6 */
	u16 sport;		/* the packet's source port, host order */
	u16 dport;		/* the packet's destination port, host order */
	u8 tcpflags;		/* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	u8 state;		/* TCP state of the socket, 0 without one */
	u8 saddr[16];		/* the packet's source address, network order, IPv4 in the first 4 bytes */
	u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

SEC("tracepoint/skb/kfree_skb")
int tcpdrop_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	u16 protocol = ctx->protocol;
	if (protocol != ETH_P_IP && protocol != ETH_P_IPV6)
		return 0;
	struct sk_buff *skb = ctx->skbaddr;
	struct sock *sk = NULL;
	if (bpf_core_field_exists(ctx->rx_sk))
		sk = ctx->rx_sk;
	if (!sk)
		sk = BPF_CORE_READ(skb, sk);
	u64 cgroup = gadget_sock_cgroup_id(sk);
	if (!gadget_cgroup_selected(cgroup))
		return 0;

	unsigned char *head = BPF_CORE_READ(skb, head);
	u16 network = BPF_CORE_READ(skb, network_header);
	u8 ip[40];
	u16 family;
	u32 transport;
	if (protocol == ETH_P_IP) {
		if (bpf_probe_read_kernel(ip, 20, head + network) < 0 || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP)
			return 0;
		family = AF_INET;
		transport = network + (ip[0] & 0x0f) * 4;
	} else {
		if (bpf_probe_read_kernel(ip, 40, head + network) < 0 || (ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP)
			return 0;
		family = AF_INET6;
		transport = network + 40;
	}
	u8 tcp[14];
	if (bpf_probe_read_kernel(tcp, sizeof(tcp), head + transport) < 0)
		return 0;

	struct tcpdrop_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = cgroup;
	e->reason = 0;
	if (bpf_core_field_exists(ctx->reason))
		e->reason = ctx->reason;
	e->family = family;
	e->sport = ((u16)tcp[0] << 8) | tcp[1];
	e->dport = ((u16)tcp[2] << 8) | tcp[3];
	e->tcpflags = tcp[13];
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	if (family == AF_INET) {
		__builtin_memcpy(e->saddr, &ip[12], 4);
		__builtin_memcpy(e->daddr, &ip[16], 4);
	} else {
		__builtin_memcpy(e->saddr, &ip[8], 16);
		__builtin_memcpy(e->daddr, &ip[24], 16);
	}
	if (sk) {
		e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
		e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	} else {
		e->state = 0;
		e->netns = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct tcpdrop_event *unused_tcpdrop_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
