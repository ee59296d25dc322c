/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * mountsnoop: every mount(2), umount2(2) and move_mount(2) with its source, target, file system type, data (mount
 * options), flags and result. The enter tracepoints save the arguments per thread; the exit tracepoints read the strings
 * (after the call: the kernel has faulted the caller's pages in) and send the event.
 */
#include "gadget_filter.h"

#define MOUNT_PATH_SIZE 256
#define MOUNT_FSTYPE_SIZE 64
#define MOUNT_DATA_SIZE 256

#define OP_MOUNT 0
#define OP_UMOUNT 1
#define OP_MOVE_MOUNT 2

struct mount_args {
	const char *source;
	const char *target;
	const char *fstype;
	const char *data;
	u64 flags;
	u32 op;
	u32 reserved;
};

struct mount_event {
	u64 timestamp;
	u64 cgroup_id;
	struct gadget_process proc;
	s32 retval;
	u32 op;			/* OP_MOUNT, OP_UMOUNT, OP_MOVE_MOUNT */
	u64 flags;		/* mount: MS_*; umount2: MNT_*; move_mount: MOVE_MOUNT_* (as passed) */
	char source[MOUNT_PATH_SIZE];	/* mount: the device or source; move_mount: from_pathname */
	char target[MOUNT_PATH_SIZE];	/* mount, umount2: the mount point; move_mount: to_pathname */
	char fstype[MOUNT_FSTYPE_SIZE];
	char data[MOUNT_DATA_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct mount_args);
} mounts SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

static __always_inline int enter_mount(u32 op, const char *source, const char *target, const char *fstype, const char *data, u64 flags)
{
	if (!gadget_selected())
		return 0;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct mount_args args = { .source = source, .target = target, .fstype = fstype, .data = data, .flags = flags, .op = op };
	bpf_map_update_elem(&mounts, &tid, &args, BPF_ANY);
	return 0;
}

/* Reads a user string into dst, "" when the pointer is NULL or unreadable. */
static __always_inline void read_string(char *dst, u32 size, const char *src)
{
	if (!src || bpf_probe_read_user_str(dst, size, src) < 0)
		dst[0] = 0;
}

static __always_inline int exit_mount(long retval)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct mount_args *args = bpf_map_lookup_elem(&mounts, &tid);
	if (!args)
		return 0;
	struct mount_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		bpf_map_delete_elem(&mounts, &tid);
		return 0;
	}
	event->timestamp = bpf_ktime_get_boot_ns();
	event->cgroup_id = bpf_get_current_cgroup_id();
	gadget_process_fill(&event->proc);
	event->retval = (s32)retval;
	event->op = args->op;
	event->flags = args->flags;
	read_string(event->source, sizeof(event->source), args->source);
	read_string(event->target, sizeof(event->target), args->target);
	read_string(event->fstype, sizeof(event->fstype), args->fstype);
	read_string(event->data, sizeof(event->data), args->data);
	bpf_ringbuf_submit(event, 0);
	bpf_map_delete_elem(&mounts, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int on_enter_mount(struct gadget_syscall_enter *ctx)
{
	return enter_mount(OP_MOUNT, (const char *)ctx->args[0], (const char *)ctx->args[1], (const char *)ctx->args[2],
			   (const char *)ctx->args[4], ctx->args[3]);
}

/* umount2(2): the kernel's sys_umount (there is no umount(2) on x86-64 and arm64). */
SEC("tracepoint/syscalls/sys_enter_umount")
int on_enter_umount(struct gadget_syscall_enter *ctx)
{
	return enter_mount(OP_UMOUNT, NULL, (const char *)ctx->args[0], NULL, NULL, (u32)ctx->args[1]);
}

/* move_mount(from_dfd, from_pathname, to_dfd, to_pathname, flags): Linux 5.2. */
SEC("tracepoint/syscalls/sys_enter_move_mount")
int on_enter_move_mount(struct gadget_syscall_enter *ctx)
{
	return enter_mount(OP_MOVE_MOUNT, (const char *)ctx->args[1], (const char *)ctx->args[3], NULL, NULL, (u32)ctx->args[4]);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int on_exit_mount(struct gadget_syscall_exit *ctx)
{
	return exit_mount(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_umount")
int on_exit_umount(struct gadget_syscall_exit *ctx)
{
	return exit_mount(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_move_mount")
int on_exit_move_mount(struct gadget_syscall_exit *ctx)
{
	return exit_mount(ctx->ret);
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct mount_event *unused_mount_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
