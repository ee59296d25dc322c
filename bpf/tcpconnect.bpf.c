/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * tcpconnect: active TCP opens on sock:inet_sock_set_state. CLOSE->SYN_SENT runs in the connecting process (connect()):
 * its context (pid, comm, cgroup) is kept per socket; SYN_SENT->ESTABLISHED (success) or SYN_SENT->CLOSE (failure,
 * sk_err says why: ECONNREFUSED, ETIMEDOUT, ...; 0 if the connecting socket was closed first) emits one event with the
 * addresses and ports known by then. Only selected cgroups' connects are remembered, so nothing else leaves the kernel.
 */
#include "tcp_gadgets.h"
#include "gadget_filter.h"

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7

struct connecting {
	u64 start_ns;
	u64 cgroup_id;
	struct gadget_process proc;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct connecting);
} connecting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

struct inet_sock_set_state_args {
	u64 common;
	const void *skaddr;
	int oldstate;
	int newstate;
	u16 sport;
	u16 dport;
	u16 family;
	u16 protocol;
	u8 saddr[4];
	u8 daddr[4];
	u8 saddr_v6[16];
	u8 daddr_v6[16];
};

SEC("tracepoint/sock/inet_sock_set_state")
int tcpconnect_set_state(struct inet_sock_set_state_args *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	u64 sk = (u64)ctx->skaddr;
	if (ctx->oldstate == TCP_CLOSE && ctx->newstate == TCP_SYN_SENT) {
		if (!gadget_selected())
			return 0;
		struct connecting c = {};
		c.start_ns = bpf_ktime_get_boot_ns();
		c.cgroup_id = bpf_get_current_cgroup_id();
		gadget_process_fill(&c.proc);
		bpf_map_update_elem(&connecting, &sk, &c, BPF_ANY);
		return 0;
	}
	if (ctx->oldstate != TCP_SYN_SENT)
		return 0;
	struct connecting *c = bpf_map_lookup_elem(&connecting, &sk);
	if (!c)
		return 0;
	struct tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		bpf_map_delete_elem(&connecting, &sk);
		return 0;
	}
	u64 now = bpf_ktime_get_boot_ns();
	e->timestamp_ns = now;
	e->latency_ns = now - c->start_ns;
	e->cgroup_id = c->cgroup_id;
	__builtin_memcpy(&e->proc, &c->proc, sizeof(e->proc));
	struct sock *s = (struct sock *)ctx->skaddr;
	e->netns = BPF_CORE_READ(s, __sk_common.skc_net.net, ns.inum);
	e->error = ctx->newstate == TCP_ESTABLISHED ? 0 : BPF_CORE_READ(s, sk_err);
	e->family = ctx->family;
	e->sport = ctx->sport;
	e->dport = ctx->dport;
	e->state = ctx->newstate;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	if (ctx->family == AF_INET) {
		__builtin_memcpy(e->saddr, ctx->saddr, 4);
		__builtin_memcpy(e->daddr, ctx->daddr, 4);
	} else {
		__builtin_memcpy(e->saddr, ctx->saddr_v6, 16);
		__builtin_memcpy(e->daddr, ctx->daddr_v6, 16);
	}
	bpf_ringbuf_submit(e, 0);
	bpf_map_delete_elem(&connecting, &sk);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct tcp_event *unused_tcp_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
