/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: one program that loads, one the verifier rejects, a kprobe (loads; attaching needs CONFIG_KPROBES) and an
 * fentry (refused under kernel lockdown), in this ELF order, so that a failed load must name the program that failed,
 * not the first one. The tests pick the programs with AutoLoad. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

u64 calls = 0;

SEC("kprobe/do_nanosleep")
int probe_nanosleep(void *ctx)
{
	calls++;
	return 0;
}

SEC("raw_tp/sys_enter")
int loads_fine(void *ctx)
{
	calls++;
	return 0;
}

SEC("raw_tp/sys_exit")
int rejected_by_verifier(void *ctx)
{
	u32 key = 0;
	u64 *value = bpf_map_lookup_elem(&counts, &key);
	*value += 1; /* no NULL check: the verifier refuses this */
	return 0;
}

SEC("fentry/do_nanosleep")
int BPF_PROG(fentry_nanosleep)
{
	calls++;
	return 0;
}

SEC("kretprobe/do_nanosleep")
int kretprobe_nanosleep(void *ctx)
{
	calls++;
	return 0;
}
