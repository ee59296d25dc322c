/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * oomkill: every OOM kill (oom:mark_victim, as tp_btf for the victim task): the victim (pid, comm, cgroup, memory
 * cgroup name, pages), and the process whose allocation triggered it (the current task). Selected when the victim's or
 * the trigger's cgroup is.
 */
#include "gadget_filter.h"

#define OOM_MEMCG_NAME_SIZE 128

struct oom_event {
	u64 timestamp;
	u64 victim_cgroup_id;
	u64 trigger_cgroup_id;
	u64 total_vm_pages;
	s64 anon_rss_pages;
	s64 file_rss_pages;
	s64 shmem_rss_pages;
	struct gadget_process trigger;
	u32 victim_pid;
	u32 victim_uid;
	char victim_comm[TASK_COMM_LEN];
	char memcg_name[OOM_MEMCG_NAME_SIZE];
};

/*
 * mm_struct.rss_stat changed in Linux 6.2: before, a struct mm_rss_stat of atomic_long_t counters; since, an array of
 * struct percpu_counter (vmlinux.h's layout; its count is the total without the CPUs' pending deltas). The ___pre62
 * flavour is the old layout; struct mm_rss_stat only exists in the old kernels' BTF, which picks the read at load time.
 */
struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
};

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

#define MM_RSS_PAGES(mm, member)                                                                   \
	(bpf_core_type_exists(struct mm_rss_stat___pre62)                                          \
		 ? BPF_CORE_READ((struct mm_struct___pre62 *)(mm), rss_stat.count[member].counter) \
		 : BPF_CORE_READ((mm), rss_stat[member].count))

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

SEC("tp_btf/mark_victim")
int BPF_PROG(on_mark_victim, struct task_struct *task, uid_t uid)
{
	u64 trigger_cgroup = bpf_get_current_cgroup_id();
	u64 victim_cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (filter_by_cgroup && !bpf_map_lookup_elem(&selected_cgroups, &trigger_cgroup)
	    && !bpf_map_lookup_elem(&selected_cgroups, &victim_cgroup))
		return 0;
	struct oom_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	event->timestamp = bpf_ktime_get_boot_ns();
	event->victim_cgroup_id = victim_cgroup;
	event->trigger_cgroup_id = trigger_cgroup;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	event->total_vm_pages = mm ? BPF_CORE_READ(mm, total_vm) : 0;
	event->file_rss_pages = mm ? MM_RSS_PAGES(mm, 0) : 0;
	event->anon_rss_pages = mm ? MM_RSS_PAGES(mm, 1) : 0;
	event->shmem_rss_pages = mm ? MM_RSS_PAGES(mm, 3) : 0;
	event->victim_pid = BPF_CORE_READ(task, tgid);
	event->victim_uid = uid;
	gadget_process_fill(&event->trigger);
	BPF_CORE_READ_STR_INTO(&event->victim_comm, task, comm);
	int memory = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	const char *name = NULL;
	if (memory >= 0 && memory < 12)
		name = BPF_CORE_READ(task, cgroups, subsys[memory], cgroup, kn, name);
	if (!name || bpf_probe_read_kernel_str(event->memcg_name, sizeof(event->memcg_name), name) < 0)
		event->memcg_name[0] = 0;
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct oom_event *unused_oom_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
