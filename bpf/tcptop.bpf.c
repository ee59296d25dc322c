/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * tcptop: bytes sent and received per (cgroup, process, connection), from sock:sock_send_length and
 * sock:sock_recv_length (Linux 6.4+), which fire in the calling process at the end of sock_sendmsg/sock_recvmsg
 * (send, sendto, sendmsg, write, recv, read, ... on sockets) with the socket and the byte count. MSG_PEEK reads are not
 * counted. User space reads and deletes the map each interval (batch lookup-and-delete).
 */
#include "tcp_gadgets.h"
#include "gadget_filter.h"

#define MSG_PEEK 2

struct tcptop_key {
	u64 cgroup_id;
	u32 pid;
	u32 netns;
	u16 family;
	u16 sport;
	u16 dport;
	u16 reserved;
	u8 saddr[16];
	u8 daddr[16];
};

struct tcptop_value {
	u64 sent;
	u64 received;
	u64 sends;
	u64 receives;
	struct gadget_process proc;	/* the thread that first sent or received in the interval */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_value);
} traffic SEC(".maps");

/* Updates refused because the map was full. */
u64 dropped_updates = 0;

struct sock_length_args {
	u64 common;
	void *sk;
	u16 family;
	u16 protocol;
	int ret;
	int flags;
};

static __always_inline int count(struct sock_length_args *ctx, bool send)
{
	if (ctx->protocol != IPPROTO_TCP || ctx->ret <= 0)
		return 0;
	if (!send && (ctx->flags & MSG_PEEK))
		return 0;
	if (!gadget_selected())
		return 0;
	struct tcp_endpoints ep;
	if (!read_sock_endpoints((struct sock *)ctx->sk, &ep))
		return 0;
	struct tcptop_key key = {};
	key.cgroup_id = bpf_get_current_cgroup_id();
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.netns = ep.netns;
	key.family = ep.family;
	key.sport = ep.sport;
	key.dport = ep.dport;
	__builtin_memcpy(key.saddr, ep.saddr, 16);
	__builtin_memcpy(key.daddr, ep.daddr, 16);
	struct tcptop_value *value = bpf_map_lookup_elem(&traffic, &key);
	if (!value) {
		struct tcptop_value zero = {};
		gadget_process_fill(&zero.proc);
		if (bpf_map_update_elem(&traffic, &key, &zero, BPF_NOEXIST) == -7 /* E2BIG */) {
			__sync_fetch_and_add(&dropped_updates, 1);
			return 0;
		}
		value = bpf_map_lookup_elem(&traffic, &key);
		if (!value)
			return 0;
	}
	if (send) {
		__sync_fetch_and_add(&value->sent, ctx->ret);
		__sync_fetch_and_add(&value->sends, 1);
	} else {
		__sync_fetch_and_add(&value->received, ctx->ret);
		__sync_fetch_and_add(&value->receives, 1);
	}
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int tcptop_send(struct sock_length_args *ctx)
{
	return count(ctx, true);
}

SEC("tracepoint/sock/sock_recv_length")
int tcptop_recv(struct sock_length_args *ctx)
{
	return count(ctx, false);
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct tcptop_key *unused_tcptop_key __attribute__((unused));
const struct tcptop_value *unused_tcptop_value __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
