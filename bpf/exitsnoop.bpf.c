/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * exitsnoop: every process exit (tp_btf/sched_process_exit, in the exiting task): the wait status the parent will be
 * given, and how long the task lived. By default only the thread group leader's exit is reported (the process's, as
 * libbpf-tools' exitsnoop); 'trace_threads' reports every thread's.
 */
#include "gadget_filter.h"

#define SIGNAL_GROUP_EXIT 0x00000004

struct exit_event {
	u64 timestamp;
	u64 cgroup_id;
	u64 lifetime_ns;	/* now - task->start_time (CLOCK_MONOTONIC) */
	struct gadget_process proc;
	u32 exit_status;	/* as wait() gives it: (code << 8) | signal | 0x80 when a core was dumped */
	u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Set before load: report every thread's exit, not only the thread group leader's. */
const volatile bool trace_threads = false;

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_sched_process_exit, struct task_struct *task)
{
	u64 id = bpf_get_current_pid_tgid();
	if (!trace_threads && (u32)id != (u32)(id >> 32))
		return 0;
	if (!gadget_selected())
		return 0;
	struct exit_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	u64 now = bpf_ktime_get_ns();
	event->timestamp = bpf_ktime_get_boot_ns();
	event->cgroup_id = bpf_get_current_cgroup_id();
	u64 start = BPF_CORE_READ(task, start_time);
	event->lifetime_ns = now > start ? now - start : 0;
	gadget_process_fill(&event->proc);
	/* What wait_task_zombie() gives the parent: the group's status after exit_group() or a fatal signal, else the task's. */
	u32 status = BPF_CORE_READ(task, exit_code);
	if (BPF_CORE_READ(task, signal, flags) & SIGNAL_GROUP_EXIT)
		status = BPF_CORE_READ(task, signal, group_exit_code);
	event->exit_status = status;
	event->reserved = 0;
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct exit_event *unused_exit_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
