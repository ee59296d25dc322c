/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * traceloop's rings, and how a new cgroup gets one in the kernel, at its first syscall, without waiting for user space.
 *
 * ring_pool is an array of maps: slot -> one overwritable perf ring (a perf event array, one buffer per CPU), created,
 * read and freed by user space. spare_slots is a queue of slots whose ring is fresh and unused, which user space keeps
 * filled (TraceloopOptions.SpareRings). cgroups says what each known cgroup2 id is to this tracer:
 *  - absent: not recorded (every cgroup that existed before the tracer, unless user space adds it); a syscall pays the
 *    check of its CPU's cached verdict (current_slot), the lookup only when the CPU last ran another cgroup;
 *  - slot NO_SLOT: a cgroup created since the tracer claims new cgroups (tp_btf/cgroup_mkdir): at its first syscall the
 *    BPF program pops a spare slot and claims it; then user space keeps the ring (a selected container) or frees it;
 *  - slot N: recorded into ring_pool[N].
 * claims (cgroup id -> slot and time, inserted with BPF_NOEXIST) decides a race: two CPUs, or a CPU and user space, that claim a
 * ring for the same cgroup at once; the loser gives its slot back. No process is ever stopped or waits for user space:
 * an empty pool only means the syscalls are counted (cgroup_state.missed, pool_empty) instead of recorded.
 *
 * Every claim, empty pool and removed cgroup is reported on ring_events, so that user space refills the pool at once.
 * Several tracers (several loaded copies of this object) have their own maps: none can delay or starve another.
 */
#ifndef TRACELOOP_RINGS_H
#define TRACELOOP_RINGS_H

#include "gadget.h"

#define NO_SLOT 0xffffffffu

/* Must match Gadget.Traceloop.RingEventKind. */
#define RING_EVENT_CLAIMED 1
#define RING_EVENT_POOL_EMPTY 2
#define RING_EVENT_CGROUP_REMOVED 3
#define RING_EVENT_CGROUPS_FULL 4

/* EEXIST (a macro of the C library's headers, not in vmlinux.h): bpf_map_update_elem's BPF_NOEXIST answer for a key it has. */
#define EEXIST_ERRNO 17

/*
 * A recorded cgroup's choices, bits of cgroup_state.flags (written by user space, TraceloopTracer.AddCgroup; a new cgroup
 * takes new_cgroup_flags at its creation). They live in the cgroup's entry because that is what every recorded syscall
 * looks up already: current_slot caches them in the CPU's verdict next to the slot, on the line it reads anyway, and
 * user space's change of them bumps cgroups_generation like any change of the map. One cgroup has one ring in a tracer,
 * so they are per ring: user space sets a bit while any holder of the ring asks for it.
 */
#define CGROUP_EXIT_CLOCK 1	/* read the clock at every syscall's exit (TraceloopOptions.ExitTimestamps), see sys_exit */

struct cgroup_state {
	u32 slot;	/* NO_SLOT: new, no ring yet */
	u32 flags;	/* CGROUP_* */
	u64 missed;	/* syscalls (enters) seen while no ring could be claimed: the pool was empty */
};

/* Per slot and CPU: written by the BPF program on that CPU only (a tracepoint program does not nest on a CPU). */
struct ring_counters {
	u64 enters;	/* records that start a syscall (enter, syscall) written to this CPU's ring since the slot was filled: the next one's sequence */
	u64 failed;	/* records bpf_perf_event_output refused (the ring was paused while user space read it) */
};

/* A cgroup's claim of a slot: the first claim wins (BPF_NOEXIST). */
struct ring_claim {
	u32 slot;
	u32 reserved;
	u64 timestamp;	/* bpf_ktime_get_boot_ns() at the claim: when recording started */
};

struct ring_event {
	u64 cgroup_id;
	u64 timestamp;	/* bpf_ktime_get_boot_ns() */
	u32 slot;
	u32 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1024); /* user space sets it: TraceloopOptions.MaxContainers + SpareRings */
	__type(key, u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		__uint(key_size, sizeof(u32));
		__uint(value_size, sizeof(u32));
	});
} ring_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1024); /* as ring_pool */
	__type(value, u32);
} spare_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024); /* as ring_pool */
	__type(key, u32);
	__type(value, struct ring_counters);
} slot_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct cgroup_state);
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* as ring_pool */
	__type(key, u64);
	__type(value, struct ring_claim);
} claims SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} ring_events SEC(".maps");

/* Bumped by user space after every change it makes to cgroups (see current_slot). The programs' own changes concern new
 * cgroups only (mkdir's NO_SLOT entry, its claim, rmdir's removal of it), whose entries are never cached. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cgroups_generation SEC(".maps");

/* The flags a cgroup that root creates gets in its new entry (cgroup_mkdir), before user space decides about it: user
 * space sets them while a follower asks for them, so that a new container is recorded so from its first syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} new_cgroup_flags SEC(".maps");

/* A CPU's last verdict: cgroup_id records into slot (NO_SLOT: not recorded) with flags (its entry's) while
 * cgroups_generation is generation; and the task whose registers are at regs is in cgroup_id while tasks_generation is
 * tasks (see current_slot). When identity is set, that task's pid_tgid and comm are kept too (see current_identity).
 * 64 bytes. */
struct slot_verdict {
	u64 cgroup_id;
	u64 generation;
	u64 regs;
	u64 tasks;
	u32 slot;
	u16 flags;
	u16 identity;
	u64 pid_tgid;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct slot_verdict);
} verdicts SEC(".maps");

/* Syscalls of new cgroups that found no spare ring (all cgroups); ring_events records that could not be written. */
u64 pool_empty = 0;
u64 ring_events_lost = 0;

/* Bumped by the kernel side whenever a task may have got another cgroup, pid or comm than a verdict cached for its
 * registers' address says (a task created: it may reuse a gone task's kernel stack; a task moved to another cgroup; a
 * task renamed, which execve does too, after taking the thread group leader's pid when a thread other than the leader
 * execs). Read by every syscall of every process, written only then (and the counters above only when the pool is empty). */
u64 tasks_generation = 0;

static __always_inline void report_ring_event(u64 cgroup_id, u32 slot, u32 kind)
{
	struct ring_event *e = bpf_ringbuf_reserve(&ring_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&ring_events_lost, 1);
		return;
	}
	e->cgroup_id = cgroup_id;
	e->timestamp = bpf_ktime_get_boot_ns();
	e->slot = slot;
	e->kind = kind;
	bpf_ringbuf_submit(e, 0);
}

/*
 * A new cgroup's first syscall: take a spare slot and claim it for the cgroup. Returns the cgroup's slot, or NO_SLOT when
 * the pool was empty (the syscall is counted as missed). Only on enters: an exit without its enter tells nothing.
 */
static __always_inline u32 claim_slot(u64 cgroup_id, struct cgroup_state *state)
{
	u32 slot = NO_SLOT;
	if (bpf_map_pop_elem(&spare_slots, &slot) != 0) {
		if (state->missed == 0)
			report_ring_event(cgroup_id, NO_SLOT, RING_EVENT_POOL_EMPTY);
		__sync_fetch_and_add(&state->missed, 1);
		__sync_fetch_and_add(&pool_empty, 1);
		return NO_SLOT;
	}
	struct ring_claim claim = { .slot = slot, .timestamp = bpf_ktime_get_boot_ns() };
	if (bpf_map_update_elem(&claims, &cgroup_id, &claim, BPF_NOEXIST) != 0) {
		/* Another CPU (or user space) claimed one for this cgroup first: use that one, give ours back. */
		bpf_map_push_elem(&spare_slots, &slot, 0);
		struct ring_claim *winner = bpf_map_lookup_elem(&claims, &cgroup_id);
		return winner ? winner->slot : NO_SLOT;
	}
	state->slot = slot;
	report_ring_event(cgroup_id, slot, RING_EVENT_CLAIMED);
	return slot;
}

/*
 * The current task's cgroup2 id, as bpf_get_current_cgroup_id() returns it (its default hierarchy cgroup's kernfs id), for
 * the syscall hooks, which every syscall of every process pays: read through the trusted task pointer with four plain
 * loads where the kernel has bpf_get_current_task_btf (5.11+), instead of the helper's call and RCU read section (about
 * half of the not-recorded path's cost above the empty programs: benchmarks/README.md, "The syscall hook"). The syscall
 * hooks run inside the RCU read section the tracepoint holds, so the pointers stay valid. 5.10 uses the helper.
 */
static __always_inline u64 current_cgroup_id(void)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *task = bpf_get_current_task_btf();
		return task->cgroups->dfl_cgrp->kn->id;
	}
	return bpf_get_current_cgroup_id();
}

/*
 * Whether the current task left its CPU since a point: how many times it moved to another CPU (task->se.nr_migrations) and
 * how many times it was switched out (nvcsw + nivcsw), low 32 bits each.
 *  - An open syscall in a CPU's scratch buffer is the one its task is now returning from only when the task has not moved
 *    since it entered: a task that entered a syscall on this CPU, returned on another (the open record stays here) and came
 *    back inside a later syscall of the same number (execve moves a task at exec, sched_exec; a blocking read wakes on any
 *    CPU) must not complete the stale record with the later call's return value.
 *  - A syscall whose task was never switched out between its entry and exit held its CPU all along: nothing else was
 *    written to this CPU's rings meanwhile (only a task writes its records), so its entry time places the whole record in
 *    the ring's order as well as its exit time would, and the exit needs no clock read (traceloop.bpf.c).
 * Loads through the trusted task pointer (5.11+); 5.10 reads them with a helper.
 */
struct sched_marks {
	u32 migrations;
	u32 switches;
};

static __always_inline struct sched_marks current_sched_marks(void)
{
	struct sched_marks marks;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *task = bpf_get_current_task_btf();
		marks.migrations = (u32)task->se.nr_migrations;
		marks.switches = (u32)(task->nvcsw + task->nivcsw);
		return marks;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	marks.migrations = (u32)BPF_CORE_READ(task, se.nr_migrations);
	marks.switches = (u32)(BPF_CORE_READ(task, nvcsw) + BPF_CORE_READ(task, nivcsw));
	return marks;
}

/* The slot cgroup_id records into from the cgroups map (NO_SLOT: not recorded, or new and without a ring yet). */
static __always_inline u32 lookup_slot(u64 cgroup_id)
{
	struct cgroup_state *state = bpf_map_lookup_elem(&cgroups, &cgroup_id);
	return state ? state->slot : NO_SLOT;
}

/*
 * The slot the current task's cgroup records into, or NO_SLOT; *cgroup_id is set to that cgroup's id. regs: the syscall
 * hook's registers pointer. claim: whether a new cgroup may claim one now (at an enter). For the syscall programs only (they
 * do not nest on a CPU: the cache is theirs). A recorded slot's flags are then in the CPU's verdict (current_identity).
 *
 * Every syscall of every process on the node pays this, so its common case is a few loads and no call: each CPU caches its
 * last verdict (verdicts), keyed twice.
 *  - By the task: the hook's regs pointer is the task's saved user registers at the top of its kernel stack, the same at
 *    entry and exit and for no other living task. The verdict holds while tasks_generation has not moved: it moves when a
 *    task is created (the new one may get a gone task's stack, and with it its address) and when a task moves to another
 *    cgroup (tp_btf/sched_process_fork, tp_btf/cgroup_attach_task, below). The cgroup id is not read at all then.
 *  - By the cgroup: when the task is another one (the CPU switched tasks), its cgroup id (current_cgroup_id) is compared
 *    with the cached one: the hash lookup is paid once per switch of cgroup on a CPU, not per syscall.
 * Both hold only while cgroups_generation is the one the verdict was made under: user space bumps it after every change of
 * the cgroups map, and it is read before the lookup whose verdict is cached with it, so a verdict from before a change is
 * never used after it. tasks_generation is read before the cgroup id, so a verdict cached with it holds a cgroup id read
 * after any move it saw; a task moved while it runs on another CPU can make a few more syscalls under its old verdict
 * until the move's tracepoint bumps the generation (microseconds). New cgroups without a ring yet (NO_SLOT in the map)
 * are not cached: each enter tries to claim a ring, and the claim changes the entry, in the kernel.
 */
static __always_inline u32 current_slot(const void *regs, u64 *cgroup_id, bool claim)
{
	u32 zero = 0;
	u64 *generation = bpf_map_lookup_elem(&cgroups_generation, &zero);
	struct slot_verdict *cached = bpf_map_lookup_elem(&verdicts, &zero);
	if (!generation || !cached) {
		*cgroup_id = current_cgroup_id();
		return lookup_slot(*cgroup_id);
	}
	u64 now = *(volatile u64 *)generation;
	u64 tasks = *(volatile u64 *)&tasks_generation;
	if (cached->regs == (u64)regs && cached->tasks == tasks && cached->generation == now) {
		*cgroup_id = cached->cgroup_id;
		return cached->slot;
	}
	u64 id = current_cgroup_id();
	*cgroup_id = id;
	if (cached->cgroup_id == id && cached->generation == now) {
		cached->regs = (u64)regs;
		cached->tasks = tasks;
		cached->identity = 0;
		return cached->slot;
	}
	struct cgroup_state *state = bpf_map_lookup_elem(&cgroups, &id);
	u32 slot = state ? state->slot : NO_SLOT;
	if (!state || slot != NO_SLOT) {
		cached->cgroup_id = id;
		cached->generation = now;
		cached->regs = (u64)regs;
		cached->tasks = tasks;
		cached->slot = slot;
		cached->flags = state ? (u16)state->flags : 0;
		cached->identity = 0;
		return slot;
	}
	if (!claim)
		return NO_SLOT;
	return claim_slot(id, state);
}

/*
 * The current task's pid_tgid, and its comm (TASK_COMM_LEN bytes) into comm unless NULL, for a recorded syscall: from the CPU's verdict
 * when it is this task's (current_slot just keyed it so, in the common case), else from the helpers, then kept there.
 * Its cgroup's flags (CGROUP_*) into flags unless NULL: current_slot just made the CPU's verdict this cgroup's (the
 * syscall programs do not nest on a CPU), so they are there even when a fork since made the task's part stale. Here and
 * not in current_slot, so that only a recorded syscall loads them (from the line this reads anyway).
 * A task renamed by another one (/proc/PID/comm) while it runs a syscall can have its old comm recorded until its next
 * renaming or a fork on the node: the rename's tracepoint comes just before the new name is copied in.
 */
static __always_inline u64 current_identity(const void *regs, char *comm, u32 *flags)
{
	u32 zero = 0;
	struct slot_verdict *cached = bpf_map_lookup_elem(&verdicts, &zero);
	if (flags)
		*flags = cached ? cached->flags : 0;
	u64 tasks = *(volatile u64 *)&tasks_generation;
	bool mine = cached && cached->regs == (u64)regs && cached->tasks == tasks;
	if (mine && cached->identity) {
		if (comm)
			__builtin_memcpy(comm, cached->comm, TASK_COMM_LEN);
		return cached->pid_tgid;
	}
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!comm)
		return pid_tgid;
	bpf_get_current_comm(comm, TASK_COMM_LEN);
	if (mine) {
		cached->pid_tgid = pid_tgid;
		__builtin_memcpy(cached->comm, comm, TASK_COMM_LEN);
		cached->identity = 1;
	}
	return pid_tgid;
}

/* A task was created: its kernel stack, and so its registers' address, may be a gone task's (see current_slot). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(traceloop_task_created, struct task_struct *parent, struct task_struct *child)
{
	__sync_fetch_and_add(&tasks_generation, 1);
	return 0;
}

/* A task renamed (prctl, /proc/PID/comm, execve): its cached comm, and after an execve its pid, are stale. */
SEC("tp_btf/task_rename")
int BPF_PROG(traceloop_task_renamed, struct task_struct *task, const char *comm)
{
	__sync_fetch_and_add(&tasks_generation, 1);
	return 0;
}

/* A task moved to another cgroup: a verdict cached for it is stale (see current_slot). */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(traceloop_task_moved, struct cgroup *dst_cgrp, const char *path, struct task_struct *task, bool threadgroup)
{
	__sync_fetch_and_add(&tasks_generation, 1);
	return 0;
}

static __always_inline bool is_default_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

/* Attached by user space while new cgroups are to get a ring at their first syscall (while a ContainerRecorder follows). */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(traceloop_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	if (!is_default_hierarchy(cgrp))
		return 0;
	/* Only a cgroup that root makes (uid 0 of the initial user namespace: container runtimes, systemd, kubelet) gets a
	 * ring at its first syscall. Any user with a delegated subtree (under systemd, every logged-in user) can make
	 * cgroups without end: theirs must neither fill this table nor empty the pool of spare rings that containers need.
	 * A rootless container's cgroup is recorded from when user space adds it. */
	if ((u32)bpf_get_current_uid_gid() != 0)
		return 0;
	u64 id = BPF_CORE_READ(cgrp, kn, id);
	u32 zero = 0;
	u32 *flags = bpf_map_lookup_elem(&new_cgroup_flags, &zero);
	struct cgroup_state state = { .slot = NO_SLOT, .flags = flags ? *flags : 0 };
	long err = bpf_map_update_elem(&cgroups, &id, &state, BPF_NOEXIST);
	if (err != 0 && err != -EEXIST_ERRNO)
		report_ring_event(id, NO_SLOT, RING_EVENT_CGROUPS_FULL);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(traceloop_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!is_default_hierarchy(cgrp))
		return 0;
	u64 id = BPF_CORE_READ(cgrp, kn, id);
	struct cgroup_state *state = bpf_map_lookup_elem(&cgroups, &id);
	if (!state)
		return 0;
	u32 slot = state->slot;
	if (slot == NO_SLOT) {
		/* Never had a ring: forget it here. A ring is user space's to free (its history may still be read). */
		bpf_map_delete_elem(&cgroups, &id);
		return 0;
	}
	report_ring_event(id, slot, RING_EVENT_CGROUP_REMOVED);
	return 0;
}

#endif
