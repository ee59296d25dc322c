/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * snapshot socket: the TCP and UDP sockets (IPv4 and IPv6) there are right now, from the kernel's socket iterators
 * (iter/tcp and iter/udp, Linux 5.9): protocol, addresses, ports, state, inode, owner uid, network namespace and the
 * creator's cgroup, one fixed-size record per socket written into the iterator's seq_file. An iterator lists the
 * sockets of the network namespace its reader opened it in: user space opens one in each namespace it lists.
 */
#include "tcp_gadgets.h"
#include "sock_owner.h"

#define IPPROTO_UDP 17

struct socket_entry {
	u64 cgroup_id;		/* cgroup2 id of the socket's creator, 0 when unknown (time-wait and request sockets) */
	u64 inode;		/* the socket's inode number (as ss and /proc/PID/fd show it), 0 when it has no file */
	u32 netns;		/* inode number of the socket's network namespace */
	u32 uid;		/* the socket's owner (sock_i_uid, as the iterator gives it) */
	u16 family;		/* AF_INET or AF_INET6 */
	u16 protocol;		/* IPPROTO_TCP or IPPROTO_UDP */
	u16 state;		/* TCP state (UDP: 7 CLOSE unconnected, 1 ESTABLISHED connected) */
	u16 sport;		/* local port, host order */
	u16 dport;		/* remote port, host order */
	u16 reserved;
	u32 reserved2;
	u8 saddr[16];		/* local address, network order, IPv4 in the first 4 bytes */
	u8 daddr[16];		/* remote address */
};

static __always_inline void write_entry(struct seq_file *seq, struct sock *sk, u16 protocol, u32 uid)
{
	struct tcp_endpoints ep;
	if (!sk || !read_sock_endpoints(sk, &ep))
		return;
	struct socket_entry entry = {};
	u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	entry.cgroup_id = gadget_sock_cgroup_id(sk);
	if (state != GADGET_TCP_TIME_WAIT && state != GADGET_TCP_NEW_SYN_RECV)
		entry.inode = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	entry.netns = ep.netns;
	entry.uid = uid;
	entry.family = ep.family;
	entry.protocol = protocol;
	entry.state = state;
	entry.sport = ep.sport;
	entry.dport = ep.dport;
	__builtin_memcpy(entry.saddr, ep.saddr, 16);
	__builtin_memcpy(entry.daddr, ep.daddr, 16);
	bpf_seq_write(seq, &entry, sizeof(entry));
}

SEC("iter/tcp")
int snapshot_tcp(struct bpf_iter__tcp *ctx)
{
	write_entry(ctx->meta->seq, (struct sock *)ctx->sk_common, IPPROTO_TCP, ctx->uid);
	return 0;
}

SEC("iter/udp")
int snapshot_udp(struct bpf_iter__udp *ctx)
{
	write_entry(ctx->meta->seq, (struct sock *)ctx->udp_sk, IPPROTO_UDP, ctx->uid);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct socket_entry *unused_socket_entry __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
