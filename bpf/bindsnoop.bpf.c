/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * bindsnoop: every bind() with its address (IPv4/IPv6: address, port, IPv6 scope), the socket's type and protocol, the
 * port the socket holds afterwards (the kernel's choice for port 0) and the result. The enter tracepoint saves the
 * arguments per thread; the exit tracepoint reads the address and the socket (through the descriptor) and sends the event.
 */
#include "gadget_filter.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000

struct bind_args {
	const void *addr;
	u32 addrlen;
	s32 fd;
};

struct bind_event {
	u64 timestamp;
	u64 cgroup_id;
	struct gadget_process proc;
	s32 retval;
	s32 fd;
	u32 addrlen;
	u32 scope_id;		/* sin6_scope_id */
	u16 family;		/* sa_family as passed (0 when it could not be read) */
	u16 port;		/* the requested port, host order */
	u16 bound_port;		/* the socket's local port after the call, host order (0: none, or not a socket) */
	u16 socket_type;	/* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3... (0: not a socket) */
	u16 protocol;		/* IPPROTO_TCP 6, IPPROTO_UDP 17... */
	u16 reserved;
	u32 reserved2;
	u8 addr[16];		/* IPv4 in the first 4 bytes */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct bind_args);
} binds SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

SEC("tracepoint/syscalls/sys_enter_bind")
int on_enter_bind(struct gadget_syscall_enter *ctx)
{
	if (!gadget_selected())
		return 0;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct bind_args args = { .addr = (const void *)ctx->args[1], .addrlen = (u32)ctx->args[2], .fd = (s32)ctx->args[0] };
	bpf_map_update_elem(&binds, &tid, &args, BPF_ANY);
	return 0;
}

/* The socket behind descriptor fd of the current task, or NULL when it is not one. */
static __always_inline struct socket *socket_of(s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(gadget_current_task(), files, fdt);
	if (fd < 0 || (u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0 || !file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int on_exit_bind(struct gadget_syscall_exit *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct bind_args *args = bpf_map_lookup_elem(&binds, &tid);
	if (!args)
		return 0;
	struct bind_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		bpf_map_delete_elem(&binds, &tid);
		return 0;
	}
	event->timestamp = bpf_ktime_get_boot_ns();
	event->cgroup_id = bpf_get_current_cgroup_id();
	gadget_process_fill(&event->proc);
	event->retval = (s32)ctx->ret;
	event->fd = args->fd;
	event->addrlen = args->addrlen;
	event->scope_id = 0;
	event->family = 0;
	event->port = 0;
	event->bound_port = 0;
	event->socket_type = 0;
	event->protocol = 0;
	event->reserved = 0;
	event->reserved2 = 0;
	__builtin_memset(event->addr, 0, sizeof(event->addr));

	u16 family = 0;
	if (args->addrlen >= sizeof(family) && bpf_probe_read_user(&family, sizeof(family), args->addr) == 0)
		event->family = family;
	if (family == AF_INET && args->addrlen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in = {};
		if (bpf_probe_read_user(&in, sizeof(in), args->addr) == 0) {
			event->port = bpf_ntohs(in.sin_port);
			__builtin_memcpy(event->addr, &in.sin_addr, 4);
		}
	} else if (family == AF_INET6 && args->addrlen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6 = {};
		if (bpf_probe_read_user(&in6, sizeof(in6), args->addr) == 0) {
			event->port = bpf_ntohs(in6.sin6_port);
			event->scope_id = in6.sin6_scope_id;
			__builtin_memcpy(event->addr, &in6.sin6_addr, 16);
		}
	}

	struct socket *sock = socket_of(args->fd);
	if (sock) {
		event->socket_type = (u16)BPF_CORE_READ(sock, type);
		struct sock *sk = BPF_CORE_READ(sock, sk);
		if (sk) {
			event->protocol = BPF_CORE_READ(sk, sk_protocol);
			event->bound_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		}
	}
	bpf_ringbuf_submit(event, 0);
	bpf_map_delete_elem(&binds, &tid);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct bind_event *unused_bind_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
