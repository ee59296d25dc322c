/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object for Gadget.Bpf's attach kinds: raw tracepoint, uprobe/uretprobe, perf event, kprobe. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Only this process is counted. */
const volatile u32 target_tgid = 0;

/* Hit counts, one slot per program: 0 raw_tp, 1 uprobe, 2 uretprobe, 3 perf_event, 4 kprobe, 5 auto-attached tp. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, u32);
	__type(value, u64);
} hits SEC(".maps");

/* The last value a uretprobe saw returned. */
u64 last_return_value = 0;

static __always_inline int count(u32 slot)
{
	if (target_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	u64 *value = bpf_map_lookup_elem(&hits, &slot);
	if (value)
		__sync_fetch_and_add(value, 1);
	return 0;
}

SEC("raw_tp/sys_enter")
int count_raw_sys_enter(void *ctx)
{
	return count(0);
}

SEC("uprobe")
int count_uprobe(struct pt_regs *ctx)
{
	return count(1);
}

SEC("uretprobe")
int count_uretprobe(struct pt_regs *ctx)
{
	if (target_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	last_return_value = PT_REGS_RC(ctx);
	return count(2);
}

SEC("perf_event")
int count_perf_event(void *ctx)
{
	u32 slot = 3;
	u64 *value = bpf_map_lookup_elem(&hits, &slot);
	if (value)
		__sync_fetch_and_add(value, 1);
	return 0;
}

SEC("kprobe/do_nanosleep")
int count_kprobe(void *ctx)
{
	return count(4);
}

SEC("tp/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	return count(5);
}
