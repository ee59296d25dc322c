/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Test object for Gadget.Bpf's maps: one map of each type the tests exercise, and programs that
 * read and write them from the kernel side. Most programs are raw tracepoints run on demand with
 * BPF_PROG_TEST_RUN (BpfProgram.TestRun), whose context is an array of u64 arguments; the return
 * value reports what the program found. count_syscalls/count_syscalls_tp are attached for real
 * (pinned-link tests) and count the syscalls of target_tgid.
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Only this process (tgid) is counted by count_syscalls*; 0 counts every process. */
const volatile u32 target_tgid = 0;

#define MISSING 0xffffffffu
#define OUT_OF_RANGE 0xfffffffeu

/* --- plain maps: u32 -> u64 ------------------------------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} lru_map SEC(".maps");

/* --- per-CPU maps ------------------------------------------------------------------------ */

/* 12 bytes: the kernel pads each CPU's copy to 16 bytes in user space. */
struct percpu_record {
	u32 total;
	u32 cpu;
	u32 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, struct percpu_record);
} percpu_array SEC(".maps");

/* 4-byte values, padded to 8 bytes per CPU in user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u32);
} lru_percpu_hash SEC(".maps");

/* --- tail calls ------------------------------------------------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u32);
} jump_table SEC(".maps");

/* Markers written by the tail-call targets: index 0 by tail_target_a, 1 by tail_target_b. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} tail_marks SEC(".maps");

/* --- maps of maps ------------------------------------------------------------------------------ */

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, u32);
	__array(values, struct inner_array);
} array_of_maps SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, 4);
		__type(key, u32);
		__type(value, u64);
	});
} hash_of_maps SEC(".maps");

/* --- bloom filter, queue, stack ---------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, u32);
	__uint(map_extra, 3); /* number of hash functions */
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, u64);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, u64);
} stack SEC(".maps");

/* --- syscall counter for the pinned-link tests ------------------------------------------------ */

/* Index 0: count_syscalls (raw tracepoint), 1: count_syscalls_tp (tracepoint). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} syscall_count SEC(".maps");

static __always_inline void count_syscall(u32 index)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (target_tgid != 0 && tgid != target_tgid)
		return;
	u64 *count = bpf_map_lookup_elem(&syscall_count, &index);
	if (count)
		__sync_fetch_and_add(count, 1);
}

SEC("raw_tp/sys_enter")
int count_syscalls(struct bpf_raw_tracepoint_args *ctx)
{
	count_syscall(0);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int count_syscalls_tp(struct trace_event_raw_sys_enter *ctx)
{
	count_syscall(1);
	return 0;
}

/*
 * write_maps: args = {key, value}. Writes value at key into hash_map, array_map (when key is in
 * range) and lru_map, pushes it to queue and adds key to the bloom filter. Returns the number of
 * maps that accepted the value (a full map refuses).
 */
SEC("raw_tp")
int write_maps(struct bpf_raw_tracepoint_args *ctx)
{
	u32 key = ctx->args[0];
	u64 value = ctx->args[1];
	int accepted = 0;

	if (bpf_map_update_elem(&hash_map, &key, &value, BPF_ANY) == 0)
		accepted++;
	if (bpf_map_update_elem(&array_map, &key, &value, BPF_ANY) == 0)
		accepted++;
	if (bpf_map_update_elem(&lru_map, &key, &value, BPF_ANY) == 0)
		accepted++;
	if (bpf_map_push_elem(&queue, &value, 0) == 0)
		accepted++;
	if (bpf_map_push_elem(&bloom, &key, 0) == 0)
		accepted++;
	return accepted;
}

/*
 * read_map: args = {which, key}. which: 0 hash_map, 1 array_map, 2 lru_map, 3 bloom (returns 1 when
 * key may be in it, 0 when not), 4 pops the stack, 5 percpu_hash on this CPU. Returns the value
 * (low 32 bits), or MISSING.
 */
SEC("raw_tp")
int read_map(struct bpf_raw_tracepoint_args *ctx)
{
	u32 which = ctx->args[0];
	u32 key = ctx->args[1];
	u64 *value = NULL;
	u64 popped;

	switch (which) {
	case 0:
		value = bpf_map_lookup_elem(&hash_map, &key);
		break;
	case 1:
		value = bpf_map_lookup_elem(&array_map, &key);
		break;
	case 2:
		value = bpf_map_lookup_elem(&lru_map, &key);
		break;
	case 3:
		return bpf_map_peek_elem(&bloom, &key) == 0 ? 1 : 0;
	case 4:
		if (bpf_map_pop_elem(&stack, &popped) != 0)
			return MISSING;
		return (u32)popped;
	case 5:
		value = bpf_map_lookup_elem(&percpu_hash, &key);
		break;
	default:
		return MISSING;
	}
	return value ? (u32)*value : MISSING;
}

/*
 * percpu_add: args = {key, amount}. On the CPU it runs on, adds amount to percpu_hash[key]
 * (creating it), to lru_percpu_hash[key], and to percpu_array[key].total, recording the CPU and
 * counting runs there. Returns the CPU it ran on.
 */
SEC("raw_tp")
int percpu_add(struct bpf_raw_tracepoint_args *ctx)
{
	u32 key = ctx->args[0];
	u64 amount = ctx->args[1];
	u32 cpu = bpf_get_smp_processor_id();

	u64 *total = bpf_map_lookup_elem(&percpu_hash, &key);
	if (total)
		*total += amount;
	else
		bpf_map_update_elem(&percpu_hash, &key, &amount, BPF_NOEXIST);

	u32 small = amount;
	u32 *lru_total = bpf_map_lookup_elem(&lru_percpu_hash, &key);
	if (lru_total)
		*lru_total += small;
	else
		bpf_map_update_elem(&lru_percpu_hash, &key, &small, BPF_NOEXIST);

	struct percpu_record *record = bpf_map_lookup_elem(&percpu_array, &key);
	if (record) {
		record->total += small;
		record->cpu = cpu;
		record->runs++;
	}
	return cpu;
}

/*
 * tail_dispatch: args = {index, marker}. Tail-calls jump_table[index]; when the slot is empty it
 * falls through and returns MISSING.
 */
SEC("raw_tp")
int tail_dispatch(struct bpf_raw_tracepoint_args *ctx)
{
	u32 index = ctx->args[0];
	bpf_tail_call(ctx, &jump_table, index);
	return MISSING;
}

/* Writes the marker (args[1]) into tail_marks[0]; returns 0xa. */
SEC("raw_tp")
int tail_target_a(struct bpf_raw_tracepoint_args *ctx)
{
	u32 index = 0;
	u64 marker = ctx->args[1];
	bpf_map_update_elem(&tail_marks, &index, &marker, BPF_ANY);
	return 0xa;
}

/* Writes the marker (args[1]) into tail_marks[1]; returns 0xb. */
SEC("raw_tp")
int tail_target_b(struct bpf_raw_tracepoint_args *ctx)
{
	u32 index = 1;
	u64 marker = ctx->args[1];
	bpf_map_update_elem(&tail_marks, &index, &marker, BPF_ANY);
	return 0xb;
}

/*
 * through_outer: args = {outer, key, index, value, write}. outer: 0 array_of_maps, 1 hash_of_maps.
 * Finds the inner map at key, then writes value at index (write = 1, returns 0) or reads the value
 * at index (returns its low 32 bits). Returns MISSING when no inner map is at key, OUT_OF_RANGE
 * when index is outside the inner map.
 */
SEC("raw_tp")
int through_outer(struct bpf_raw_tracepoint_args *ctx)
{
	u32 outer = ctx->args[0];
	u32 key = ctx->args[1];
	u32 index = ctx->args[2];
	u64 value = ctx->args[3];
	u64 write = ctx->args[4];
	void *inner;

	if (outer == 0)
		inner = bpf_map_lookup_elem(&array_of_maps, &key);
	else
		inner = bpf_map_lookup_elem(&hash_of_maps, &key);
	if (!inner)
		return MISSING;
	u64 *slot = bpf_map_lookup_elem(inner, &index);
	if (!slot)
		return OUT_OF_RANGE;
	if (write) {
		*slot = value;
		return 0;
	}
	return (u32)*slot;
}
