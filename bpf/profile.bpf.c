/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * profile (ig's profile cpu, BCC's profile): a perf_event program opened on every online CPU sampling the software CPU
 * clock at F Hz. Each sample of a selected task (the gadget's container filter, and 'target_pid' when set) counts one in
 * a hash map keyed by (cgroup, tgid, comm, kernel stack id, user stack id); the stacks themselves are kept in a
 * BPF_MAP_TYPE_STACK_TRACE map (bpf_get_stackid, BPF_F_USER_STACK for the user one). User space reads both maps once,
 * at the end, and symbolises the addresses. The idle tasks (pid 0) are not counted.
 */
#include "gadget_filter.h"

/* The deepest stack kept (the kernel's default kernel.perf_event_max_stack). */
#define PROFILE_MAX_DEPTH 127

struct profile_key {
	u64 cgroup_id;
	u32 pid;		/* tgid */
	s32 user_stack_id;	/* < 0: no user stack (a kernel thread, or the -errno of bpf_get_stackid) */
	s32 kernel_stack_id;	/* < 0: no kernel stack (the sample hit user mode), or the -errno */
	u32 reserved;
	char comm[TASK_COMM_LEN];	/* the sampled thread's comm */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct profile_key);
	__type(value, u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);	/* user space sets it (CpuProfilerOptions.MaxStacks) */
	__type(key, u32);
	__uint(value_size, PROFILE_MAX_DEPTH * sizeof(u64));
} stacks SEC(".maps");

/* Which stacks to take; a tgid to sample alone (0: every selected task). */
const volatile bool kernel_stacks = true;
const volatile bool user_stacks = true;
const volatile u32 target_pid = 0;

/* Samples not counted because 'counts' was full; stacks not kept because 'stacks' was full or a hash collided. */
u64 dropped_samples = 0;
u64 lost_stacks = 0;

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 pid = id >> 32;
	if ((u32)id == 0)
		return 0;
	if (target_pid != 0 && pid != target_pid)
		return 0;
	if (!gadget_selected())
		return 0;

	struct profile_key key = {};
	key.cgroup_id = bpf_get_current_cgroup_id();
	key.pid = pid;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.kernel_stack_id = -1;
	key.user_stack_id = -1;
	if (kernel_stacks) {
		key.kernel_stack_id = bpf_get_stackid(ctx, &stacks, 0);
		/* -EFAULT: the sample hit user mode, there is no kernel stack; the others are losses. */
		if (key.kernel_stack_id < 0 && key.kernel_stack_id != -14)
			__sync_fetch_and_add(&lost_stacks, 1);
	}
	if (user_stacks) {
		key.user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
		/* -EFAULT: a kernel thread, which has no user stack. */
		if (key.user_stack_id < 0 && key.user_stack_id != -14)
			__sync_fetch_and_add(&lost_stacks, 1);
	}

	u64 *count = bpf_map_lookup_elem(&counts, &key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return 0;
	}
	u64 one = 1;
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) < 0) {
		/* Another CPU added the key meanwhile (then count there), or the map is full. */
		count = bpf_map_lookup_elem(&counts, &key);
		if (count)
			__sync_fetch_and_add(count, 1);
		else
			__sync_fetch_and_add(&dropped_samples, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
