/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * snapshot process: every process on the machine right now, from a task iterator (iter/task, Linux 5.8): ids,
 * credentials, parent, comm, cgroup and start time, one fixed-size binary record per task written into the iterator's
 * seq_file (user space reads them when it runs the iterator). Thread group leaders only unless 'include_threads'.
 * Filtered by container like the other gadgets (gadget_filter.h), on the iterated task's cgroup.
 */
#include "gadget_filter.h"

struct process_entry {
	u64 cgroup_id;
	u64 start_boottime;	/* when the task started, CLOCK_BOOTTIME ns */
	struct gadget_process proc;
};

/* Set before load: list every thread, not only thread group leaders. */
const volatile bool include_threads = false;

SEC("iter/task")
int snapshot_process(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	u32 tgid = BPF_CORE_READ(task, tgid);
	u32 pid = BPF_CORE_READ(task, pid);
	if (!include_threads && tgid != pid)
		return 0;
	u64 cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (filter_by_cgroup && !bpf_map_lookup_elem(&selected_cgroups, &cgroup))
		return 0;
	struct process_entry entry = {};
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	entry.cgroup_id = cgroup;
	entry.start_boottime = BPF_CORE_READ(task, start_boottime);
	entry.proc.pid = tgid;
	entry.proc.tid = pid;
	entry.proc.ppid = parent ? BPF_CORE_READ(parent, tgid) : 0;
	entry.proc.uid = BPF_CORE_READ(task, cred, uid.val);
	entry.proc.gid = BPF_CORE_READ(task, cred, gid.val);
	BPF_CORE_READ_STR_INTO(&entry.proc.comm, task, comm);
	if (!parent || BPF_CORE_READ_STR_INTO(&entry.proc.pcomm, parent, group_leader, comm) < 0)
		entry.proc.pcomm[0] = 0;
	bpf_seq_write(ctx->meta->seq, &entry, sizeof(entry));
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct process_entry *unused_process_entry __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
