/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * capable: every capability check (ig's trace capabilities, BCC's capable). A kprobe on cap_capable() (the commoncap
 * LSM hook every capable()/ns_capable() goes through) keeps the call's capability, options and target user namespace
 * per thread; the kretprobe on it takes the verdict (0 allowed, -EPERM denied) and sends the event. Needs kprobes
 * (CONFIG_KPROBES): user space refuses to start on a kernel without them.
 *
 * cap_capable(const struct cred *cred, struct user_namespace *target_ns, int cap, unsigned int opts) since Linux 5.1
 * (opts was "int audit" before): the capability is the third argument on every kernel Gadget supports (5.10 to 6.18),
 * the options the fourth. The in-kernel filter runs in the kprobe: a thread of an unselected cgroup stores nothing.
 */
#include "gadget_filter.h"

/* include/linux/security.h: CAP_OPT_NOAUDIT BIT(1) (no audit message on a denial), CAP_OPT_INSETID BIT(2). */
#define GADGET_CAP_OPT_NOAUDIT 0x2

struct capable_event {
	u64 timestamp;
	u64 cgroup_id;
	struct gadget_process proc;
	s32 cap;		/* CAP_CHOWN 0, ..., CAP_SETUID 7, ..., CAP_SYS_ADMIN 21, ... */
	u32 opts;		/* CAP_OPT_* as passed to cap_capable() */
	s32 ret;		/* 0 when the capability was granted, -EPERM when denied */
	u32 target_userns;	/* inode number of the user namespace the capability was checked against */
};

/* What the kprobe saw, for the kretprobe of the same thread. */
struct capable_call {
	u64 cgroup_id;
	s32 cap;
	u32 opts;
	u32 target_userns;
	u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u64);	/* bpf_get_current_pid_tgid() */
	__type(value, struct capable_call);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
u64 lost_events = 0;

SEC("kprobe/cap_capable")
int BPF_KPROBE(capable_enter, const struct cred *cred, struct user_namespace *target_ns, int cap, unsigned int opts)
{
	if (!gadget_selected())
		return 0;
	u64 id = bpf_get_current_pid_tgid();
	struct capable_call call = {
		.cgroup_id = bpf_get_current_cgroup_id(),
		.cap = cap,
		.opts = opts,
		.target_userns = BPF_CORE_READ(target_ns, ns.inum),
		.reserved = 0,
	};
	bpf_map_update_elem(&calls, &id, &call, BPF_ANY);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(capable_exit, int ret)
{
	u64 id = bpf_get_current_pid_tgid();
	struct capable_call *call = bpf_map_lookup_elem(&calls, &id);
	if (!call)
		return 0;
	struct capable_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__sync_fetch_and_add(&lost_events, 1);
		bpf_map_delete_elem(&calls, &id);
		return 0;
	}
	event->timestamp = bpf_ktime_get_boot_ns();
	event->cgroup_id = call->cgroup_id;
	gadget_process_fill(&event->proc);
	event->cap = call->cap;
	event->opts = call->opts;
	event->ret = ret;
	event->target_userns = call->target_userns;
	bpf_ringbuf_submit(event, 0);
	bpf_map_delete_elem(&calls, &id);
	return 0;
}

/* The layouts user space reads, named in the object's BTF: a test compares them with their C# mirrors. */
const struct capable_event *unused_capable_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
