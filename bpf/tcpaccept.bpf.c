/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * tcpaccept: passive TCP opens, seen where the listening process takes them: syscalls:sys_exit_accept4 and
 * sys_exit_accept run in the accepting process (pid, comm, cgroup are the listener's), and the returned descriptor
 * leads through current->files to the new socket, whose addresses and ports are read with CO-RE. (The kernel moves a
 * passive socket to ESTABLISHED in softirq context, where the current process is unrelated, hence not
 * inet_sock_set_state.) Connections accepted through io_uring are not seen.
 */
#include "tcp_gadgets.h"
#include "gadget_filter.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

u64 lost_events = 0;

struct sys_exit_args {
	u64 common;
	int syscall_nr;
	long ret;
};

static __always_inline int on_accept_exit(struct sys_exit_args *ctx)
{
	long fd = ctx->ret;
	if (fd < 0 || !gadget_selected())
		return 0;
	struct task_struct *task = gadget_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if (!fds || fd >= max_fds)
		return 0;
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), fds + fd);
	if (!file)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || !is_tcp_stream(sk))
		return 0;
	struct tcp_endpoints ep;
	if (!read_sock_endpoints(sk, &ep))
		return 0;
	struct tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->latency_ns = 0;
	gadget_process_fill(&e->proc);
	e->netns = ep.netns;
	e->error = 0;
	e->family = ep.family;
	e->sport = ep.sport;
	e->dport = ep.dport;
	e->state = 1;
	__builtin_memcpy(e->saddr, ep.saddr, 16);
	__builtin_memcpy(e->daddr, ep.daddr, 16);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcpaccept_exit_accept4(struct sys_exit_args *ctx)
{
	return on_accept_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcpaccept_exit_accept(struct sys_exit_args *ctx)
{
	return on_accept_exit(ctx);
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct tcp_event *unused_tcp_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
