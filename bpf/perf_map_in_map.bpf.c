/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Test object for Gadget.Bpf's PerfBufferReader with perf event arrays created from user space and
 * placed in a hash of maps (one per key, as a flight recorder keeps one per container).
 * emit_to_inner (raw_tp, run with BPF_PROG_TEST_RUN): ctx[0] key, ctx[1] number of records.
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct inner_perf_array {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 64);
	__type(key, u64);
	__array(values, struct inner_perf_array);
} perf_arrays SEC(".maps");

struct keyed_record {
	u64 key;
	u64 sequence;
	u32 marker;
	u32 reserved;
};

/* Records whose key had no perf array, and records the perf array refused. */
u64 missing = 0;
u64 refused = 0;
u64 next_sequence = 0;

struct emit_ctx {
	void *ctx;
	void *array;
	u64 key;
};

static long emit_one(u32 index, struct emit_ctx *e)
{
	struct keyed_record r = { .key = e->key, .sequence = next_sequence++, .marker = 0x47414447 };
	if (bpf_perf_event_output(e->ctx, e->array, BPF_F_CURRENT_CPU, &r, sizeof(r)) < 0)
		refused++;
	return 0;
}

SEC("raw_tp/sys_enter")
int emit_to_inner(u64 *ctx)
{
	u64 key = ctx[0];
	void *array = bpf_map_lookup_elem(&perf_arrays, &key);
	if (!array) {
		missing++;
		return 0;
	}
	struct emit_ctx e = { .ctx = ctx, .array = array, .key = key };
	bpf_loop((u32)ctx[1], emit_one, &e, 0);
	return 0;
}
