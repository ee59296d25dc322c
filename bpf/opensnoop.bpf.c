/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * opensnoop: every open/openat/openat2 with its path, flags, mode and result (a file descriptor or -errno). The enter
 * tracepoint saves the arguments per thread; the exit tracepoint reads the path and sends the event.
 */
#include "gadget_filter.h"

#define OPEN_PATH_SIZE 256

struct open_args {
	const char *path;
	s32 flags;
	u32 mode;
};

struct open_event {
	u64 timestamp;
	u64 cgroup_id;
	struct gadget_process proc;
	s32 retval;
	s32 flags;
	u32 mode;
	char path[OPEN_PATH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct open_args);
} opens SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

static __always_inline int enter_open(const char *path, s32 flags, u32 mode)
{
	if (!gadget_selected())
		return 0;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct open_args args = { .path = path, .flags = flags, .mode = mode };
	bpf_map_update_elem(&opens, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int exit_open(long retval)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct open_args *args = bpf_map_lookup_elem(&opens, &tid);
	if (!args)
		return 0;
	struct open_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		bpf_map_delete_elem(&opens, &tid);
		return 0;
	}
	event->timestamp = bpf_ktime_get_boot_ns();
	event->cgroup_id = bpf_get_current_cgroup_id();
	gadget_process_fill(&event->proc);
	event->retval = (s32)retval;
	event->flags = args->flags;
	event->mode = args->mode;
	if (bpf_probe_read_user_str(event->path, sizeof(event->path), args->path) < 0)
		event->path[0] = 0;
	bpf_ringbuf_submit(event, 0);
	bpf_map_delete_elem(&opens, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int on_enter_open(struct gadget_syscall_enter *ctx)
{
	return enter_open((const char *)ctx->args[0], (s32)ctx->args[1], (u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_enter_openat(struct gadget_syscall_enter *ctx)
{
	return enter_open((const char *)ctx->args[1], (s32)ctx->args[2], (u32)ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int on_enter_openat2(struct gadget_syscall_enter *ctx)
{
	/* struct open_how's first two members (UAPI: __u64 flags, mode, resolve), without CO-RE (see gadget.h). */
	struct { u64 flags; u64 mode; } how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return enter_open((const char *)ctx->args[1], (s32)how.flags, (u32)how.mode);
}

SEC("tracepoint/syscalls/sys_exit_open")
int on_exit_open(struct gadget_syscall_exit *ctx)
{
	return exit_open(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int on_exit_openat(struct gadget_syscall_exit *ctx)
{
	return exit_open(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int on_exit_openat2(struct gadget_syscall_exit *ctx)
{
	return exit_open(ctx->ret);
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct open_event *unused_open_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
