/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Container life-cycle events for Gadget.Containers' ContainerCollection.
 *  - tp_btf/cgroup_mkdir, cgroup_rmdir: cgroup2 directories as they are created and removed.
 *  - tp_btf/sched_process_exec: a process in a cgroup created since the collection started ("pending", not yet
 *    resolved to a container by user space) that execs inside a mount namespace other than the collection's is
 *    reported (EVENT_EXEC), and its exit watched; user space registers its container and clears the pending cgroup.
 *    No process is ever stopped: a tracer that must see a container's first syscall records it in the kernel
 *    (traceloop claims a ring at a new cgroup's first syscall), it does not wait for this report.
 *  - tp_btf/sched_process_exit: exit status of container init processes (watched_pids).
 * Any user with a delegated cgroup subtree (under systemd, every logged-in user) can make and remove cgroups by the
 * thousand: the cgroups other users than root make are kept apart (pending_user_cgroups, an LRU map a flood only
 * cycles), and their mkdir/rmdir events are sent only while the event ring is at most half full, so that a flood never
 * drops the runtimes' events (a container's exec or exit) for lack of room.
 */
#include "gadget.h"

#define EVENT_CGROUP_MKDIR 1
#define EVENT_CGROUP_RMDIR 2
#define EVENT_INIT_EXIT 4
#define EVENT_EXEC 5
#define PATH_MAX_LEN 200

struct container_event {
	u32 type;
	u32 pid;
	u64 cgroup_id;
	u64 timestamp; /* bpf_ktime_get_boot_ns() */
	u32 exit_code; /* task->exit_code: (code << 8) | signal */
	u32 hierarchy_level;
	u32 mnt_ns; /* EVENT_EXEC: the mount namespace exec'd in (its container is known even if it dies before it is resolved) */
	u32 creator_uid; /* EVENT_CGROUP_MKDIR: the uid (initial user namespace) that made the cgroup */
	char path[PATH_MAX_LEN]; /* cgroup path relative to the cgroup2 root; EVENT_EXEC: the program */
};

/* The layout user space reads, named in the object's BTF: Gadget.Containers' C# type is generated from it. */
const struct container_event *unused_container_event __attribute__((unused));

/* Set by user space before load. */
const volatile u32 host_mnt_ns = 0;

#define EVENTS_SIZE (256 * 1024)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_SIZE);
} container_events SEC(".maps");

/* cgroup id -> 1: cgroup2 directories root created since start that user space has not resolved yet. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u8);
} pending_cgroups SEC(".maps");

/* The same for the cgroups other users make: least recently used first out, so that a flood cannot fill pending_cgroups. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u8);
} pending_user_cgroups SEC(".maps");

/* tgid -> 1: container init processes whose exit is reported. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, u8);
} watched_pids SEC(".maps");

u64 events_dropped = 0;
u64 user_events_skipped = 0; /* other users' mkdir/rmdir events not sent: the ring was over half full */

static __always_inline int is_default_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

/* Whether an event about another user's cgroup may take room in the ring: only while at most half of it is used. */
static __always_inline bool room_for_user_event(u32 uid)
{
	if (uid == 0 || bpf_ringbuf_query(&container_events, BPF_RB_AVAIL_DATA) <= EVENTS_SIZE / 2)
		return true;
	__sync_fetch_and_add(&user_events_skipped, 1);
	return false;
}

static __always_inline void emit_cgroup(u32 type, struct cgroup *cgrp, const char *path, u32 uid)
{
	struct container_event *e = bpf_ringbuf_reserve(&container_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return;
	}
	e->type = type;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cgroup_id = BPF_CORE_READ(cgrp, kn, id);
	e->timestamp = bpf_ktime_get_boot_ns();
	e->exit_code = 0;
	e->hierarchy_level = BPF_CORE_READ(cgrp, level);
	e->mnt_ns = 0;
	e->creator_uid = uid;
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	if (!is_default_hierarchy(cgrp))
		return 0;
	u64 id = BPF_CORE_READ(cgrp, kn, id);
	u32 uid = (u32)bpf_get_current_uid_gid();
	u8 one = 1;
	if (uid == 0)
		bpf_map_update_elem(&pending_cgroups, &id, &one, BPF_ANY);
	else
		bpf_map_update_elem(&pending_user_cgroups, &id, &one, BPF_ANY);
	if (room_for_user_event(uid))
		emit_cgroup(EVENT_CGROUP_MKDIR, cgrp, path, uid);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!is_default_hierarchy(cgrp))
		return 0;
	u64 id = BPF_CORE_READ(cgrp, kn, id);
	u32 uid = (u32)bpf_get_current_uid_gid();
	bpf_map_delete_elem(&pending_cgroups, &id);
	bpf_map_delete_elem(&pending_user_cgroups, &id);
	if (room_for_user_event(uid))
		emit_cgroup(EVENT_CGROUP_RMDIR, cgrp, path, uid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	u64 cgroup_id = bpf_get_current_cgroup_id();
	if (!bpf_map_lookup_elem(&pending_cgroups, &cgroup_id) && !bpf_map_lookup_elem(&pending_user_cgroups, &cgroup_id))
		return 0;
	u32 mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	if (mnt_ns == host_mnt_ns)
		return 0; /* e.g. the runtime's own re-exec before it enters the container's namespaces */
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u8 one = 1;
	bpf_map_update_elem(&watched_pids, &tgid, &one, BPF_ANY); /* its exit is reported even if it dies before it is registered */
	struct container_event *e = bpf_ringbuf_reserve(&container_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return 0;
	}
	e->type = EVENT_EXEC;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cgroup_id = cgroup_id;
	e->timestamp = bpf_ktime_get_boot_ns();
	e->exit_code = 0;
	e->hierarchy_level = 0;
	e->mnt_ns = mnt_ns;
	e->creator_uid = 0;
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tgid = pid_tgid >> 32;
	if ((u32)pid_tgid != tgid) /* only the thread group leader */
		return 0;
	if (!bpf_map_lookup_elem(&watched_pids, &tgid))
		return 0;
	bpf_map_delete_elem(&watched_pids, &tgid);
	struct container_event *e = bpf_ringbuf_reserve(&container_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return 0;
	}
	e->type = EVENT_INIT_EXIT;
	e->pid = tgid;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->timestamp = bpf_ktime_get_boot_ns();
	/* The group's status when it died of a signal or exit_group(), else this task's own. */
	u32 code = BPF_CORE_READ(task, exit_code);
	if (BPF_CORE_READ(task, signal, flags) & 0x00000004 /* SIGNAL_GROUP_EXIT */)
		code = BPF_CORE_READ(task, signal, group_exit_code);
	e->exit_code = code;
	e->hierarchy_level = 0;
	e->mnt_ns = 0;
	e->creator_uid = 0;
	e->path[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
