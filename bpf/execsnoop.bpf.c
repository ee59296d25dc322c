/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * execsnoop: every execve/execveat with its argv (bounded: EXEC_MAX_ARGS arguments of at most EXEC_ARG_SIZE bytes each,
 * flagged when cut), the process (gadget.h: pid, tid, ppid, uid, gid, comm, the parent's comm), cgroup and the syscall's
 * result. The enter tracepoint saves the argv per thread,
 * the exit tracepoint adds the result and the (new) comm and sends the event through the ring buffer.
 */
#include "gadget_filter.h"

#define EXEC_MAX_ARGS 20
#define EXEC_ARG_SIZE 128
#define EXEC_ARGS_SIZE (EXEC_MAX_ARGS * EXEC_ARG_SIZE)
#define EXEC_LAST_ARG (EXEC_ARGS_SIZE - EXEC_ARG_SIZE)

#define EXEC_TOO_MANY_ARGS 1 /* argv had more than EXEC_MAX_ARGS arguments */
#define EXEC_ARG_CUT 2       /* at least one argument was longer than EXEC_ARG_SIZE - 1 bytes */
#define EXEC_ARGV_FAULT 4    /* argv could not be read entirely */

struct exec_event {
	u64 timestamp;
	u64 cgroup_id;
	struct gadget_process proc;	/* comm is read again at exit: the new program's on success */
	s32 retval;
	u32 flags;
	u16 args_count;
	u16 args_size;
	char args[EXEC_ARGS_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct exec_event);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct exec_event);
} empty_event SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

static __always_inline int enter_exec(const char *const *argv)
{
	if (!gadget_selected())
		return 0;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u32 zero = 0;
	struct exec_event *empty = bpf_map_lookup_elem(&empty_event, &zero);
	if (!empty)
		return 0;
	if (bpf_map_update_elem(&execs, &tid, empty, BPF_ANY))
		return 0;
	struct exec_event *event = bpf_map_lookup_elem(&execs, &tid);
	if (!event)
		return 0;

	event->timestamp = bpf_ktime_get_boot_ns();
	event->cgroup_id = bpf_get_current_cgroup_id();
	gadget_process_fill(&event->proc);

	for (int i = 0; i < EXEC_MAX_ARGS; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i])) {
			event->flags |= EXEC_ARGV_FAULT;
			return 0;
		}
		if (!arg)
			return 0;
		u32 size = event->args_size;
		if (size > EXEC_LAST_ARG)
			return 0;
		long length = bpf_probe_read_user_str(&event->args[size], EXEC_ARG_SIZE, arg);
		if (length == 0) {
			length = 1; /* "" on kernels that do not count its NUL, which was copied (gadget.h) */
		} else if (length < 0) {
			/* Not readable without a page fault (e.g. a string literal of a process that just forked):
			 * sched_process_exec reads argv again from the new program's stack. */
			event->flags |= EXEC_ARGV_FAULT;
			event->args[size] = 0;
			length = 1;
		} else if (length == EXEC_ARG_SIZE) {
			/* Filled the slot: cut unless the argument is exactly EXEC_ARG_SIZE - 1 bytes long. */
			char next = 0;
			bpf_probe_read_user(&next, 1, arg + EXEC_ARG_SIZE - 1);
			if (next)
				event->flags |= EXEC_ARG_CUT;
		}
		event->args_count++;
		event->args_size = size + length;
	}
	const char *more = NULL;
	if (!bpf_probe_read_user(&more, sizeof(more), &argv[EXEC_MAX_ARGS]) && more)
		event->flags |= EXEC_TOO_MANY_ARGS;
	return 0;
}

/*
 * After a successful exec, argv sits NUL-separated between mm->arg_start and arg_end on the new program's stack, which
 * the kernel has just written (no page fault needed). Used when an argument could not be read at sys_enter.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct exec_event *event = bpf_map_lookup_elem(&execs, &tid);
	if (!event || !(event->flags & EXEC_ARGV_FAULT))
		return 0;
	struct mm_struct *mm = task->mm;
	if (!mm)
		return 0;
	unsigned long start = mm->arg_start, end = mm->arg_end;
	event->flags &= ~(EXEC_ARGV_FAULT | EXEC_ARG_CUT | EXEC_TOO_MANY_ARGS);
	event->args_count = 0;
	event->args_size = 0;
	for (int i = 0; i < EXEC_MAX_ARGS; i++) {
		if (start >= end)
			return 0;
		if (event->args_size > EXEC_LAST_ARG)
			return 0;
		long length = bpf_probe_read_user_str(&event->args[event->args_size], EXEC_ARG_SIZE, (const char *)start);
		if (length < 0) {
			event->flags |= EXEC_ARGV_FAULT;
			return 0;
		}
		if (length == 0)
			length = 1; /* "" on kernels that do not count its NUL, which was copied (gadget.h) */
		event->args_count++;
		event->args_size += length;
		if (length == EXEC_ARG_SIZE) {
			/* Cut: where the next argument starts is not known without scanning; stop here. */
			char next = 0;
			bpf_probe_read_user(&next, 1, (const char *)start + EXEC_ARG_SIZE - 1);
			if (next) {
				event->flags |= EXEC_ARG_CUT;
				return 0;
			}
		}
		start += length;
	}
	if (start < end)
		event->flags |= EXEC_TOO_MANY_ARGS;
	return 0;
}

static __always_inline int exit_exec(long retval)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct exec_event *event = bpf_map_lookup_elem(&execs, &tid);
	if (!event)
		return 0;
	event->retval = (s32)retval;
	bpf_get_current_comm(event->proc.comm, sizeof(event->proc.comm));
	u32 size = offsetof(struct exec_event, args) + event->args_size;
	if (size > sizeof(*event))
		size = sizeof(*event);
	if (bpf_ringbuf_output(&events, event, size, 0))
		__sync_fetch_and_add(&lost_events, 1);
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_enter_execve(struct gadget_syscall_enter *ctx)
{
	return enter_exec((const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int on_enter_execveat(struct gadget_syscall_enter *ctx)
{
	return enter_exec((const char *const *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int on_exit_execve(struct gadget_syscall_exit *ctx)
{
	return exit_exec(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int on_exit_execveat(struct gadget_syscall_exit *ctx)
{
	return exit_exec(ctx->ret);
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct exec_event *unused_exec_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
