/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * sigsnoop: every signal generated (signal:signal_generate, as tp_btf for the target task): sender, target, signal,
 * whether it was for the thread group, and the result (0 delivered, 1 ignored, 2 already pending, 3 overflow, 4 lost
 * info). Selected when the sender's or the target's cgroup is: a container killed from the host shows up.
 */
#include "gadget_filter.h"

struct signal_event {
	u64 timestamp;
	u64 sender_cgroup_id;
	u64 target_cgroup_id;
	struct gadget_process sender;
	u32 target_pid;
	u32 target_tid;
	s32 signal;
	s32 result;
	s32 group;
	u32 reserved;
	char target_comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	u64 sender_cgroup = bpf_get_current_cgroup_id();
	u64 target_cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (filter_by_cgroup && !bpf_map_lookup_elem(&selected_cgroups, &sender_cgroup)
	    && !bpf_map_lookup_elem(&selected_cgroups, &target_cgroup))
		return 0;
	struct signal_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	event->timestamp = bpf_ktime_get_boot_ns();
	event->sender_cgroup_id = sender_cgroup;
	event->target_cgroup_id = target_cgroup;
	gadget_process_fill(&event->sender);
	event->target_pid = BPF_CORE_READ(task, tgid);
	event->target_tid = BPF_CORE_READ(task, pid);
	event->signal = sig;
	event->result = result;
	event->group = group;
	event->reserved = 0;
	BPF_CORE_READ_STR_INTO(&event->target_comm, task, comm);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct signal_event *unused_signal_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
