/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Test and sample object for Gadget.Bpf: one record per syscall entry of the traced process,
 * sent through a ring buffer or a perf event array (also an overwritable one), and a
 * per-process syscall counter. Also a raw_tp program that emits bursts of records on demand
 * (BPF_PROG_TEST_RUN) to exercise the readers.
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define PATH_MAX_LEN 128
#define NR_OPENAT 257

/* Only this process (tgid) is traced; 0 traces every process. */
const volatile u32 target_tgid = 0;
/* Where records go: 0 ring buffer, 1 perf event array, 2 overwritable perf event array. */
const volatile u32 output_mode = 0;

struct syscall_event {
	u32 pid;
	u32 tid;
	s64 syscall_id;
	u64 args[6];
	u64 timestamp_ns;
	char comm[TASK_COMM_LEN];
	char path[PATH_MAX_LEN];
};

struct process_key {
	u32 tgid;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} overwrite_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct process_key);
	__type(value, u64);
} syscall_counts SEC(".maps");

/* Scratch space for a record, per CPU: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct syscall_event);
} scratch SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int on_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tgid = pid_tgid >> 32;
	if (target_tgid != 0 && tgid != target_tgid)
		return 0;

	struct process_key key = { .tgid = tgid };
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	u64 one = 1;
	u64 *count = bpf_map_lookup_elem(&syscall_counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&syscall_counts, &key, &one, BPF_NOEXIST);

	if (target_tgid == 0)
		return 0; /* counting only: records are for a traced process */

	u32 zero = 0;
	struct syscall_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->pid = tgid;
	e->tid = (u32)pid_tgid;
	e->syscall_id = ctx->id;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];
	e->args[3] = ctx->args[3];
	e->args[4] = ctx->args[4];
	e->args[5] = ctx->args[5];
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	__builtin_memcpy(e->comm, key.comm, sizeof(e->comm));
	e->path[0] = 0;
	if (ctx->id == NR_OPENAT)
		bpf_probe_read_user_str(e->path, sizeof(e->path), (const char *)ctx->args[1]);

	if (output_mode == 0)
		bpf_ringbuf_output(&events, e, sizeof(*e), 0);
	else if (output_mode == 1)
		bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, e, sizeof(*e));
	else
		bpf_perf_event_output(ctx, &overwrite_events, BPF_F_CURRENT_CPU, e, sizeof(*e));
	return 0;
}

/* --- bursts on demand, for reader tests and benchmarks -------------------------------------- */

struct burst_record {
	u64 sequence;
	u32 size;
	u32 marker;
	u8 payload[240];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct burst_record);
} burst_scratch SEC(".maps");

/* Set by the last burst: records the ring buffer or perf buffer refused (full). */
u64 ringbuf_dropped = 0;
u64 perf_dropped = 0;
u64 next_sequence = 0;

struct burst_ctx {
	void *ctx;
	u32 size;
	u32 target; /* 0 ring buffer, 1 perf, 2 overwritable perf, 3 ring buffer with every other record discarded */
};

static long emit_one(u32 index, struct burst_ctx *b)
{
	u32 zero = 0;
	struct burst_record *r = bpf_map_lookup_elem(&burst_scratch, &zero);
	if (!r)
		return 1;
	r->sequence = next_sequence++;
	r->size = b->size;
	r->marker = 0x47414447; /* "GADG" */
	u32 size = b->size;
	if (size < 16)
		size = 16;
	if (size > sizeof(struct burst_record))
		size = sizeof(struct burst_record);

	if (b->target == 0 || b->target == 3) {
		struct burst_record *slot = bpf_ringbuf_reserve(&events, sizeof(struct burst_record), 0);
		if (!slot) {
			ringbuf_dropped++;
			return 0;
		}
		slot->sequence = r->sequence;
		slot->size = r->size;
		slot->marker = r->marker;
		if (b->target == 3 && (r->sequence & 1))
			bpf_ringbuf_discard(slot, 0);
		else
			bpf_ringbuf_submit(slot, 0);
	} else {
		void *map = b->target == 1 ? (void *)&perf_events : (void *)&overwrite_events;
		if (bpf_perf_event_output(b->ctx, map, BPF_F_CURRENT_CPU, r, size) < 0)
			perf_dropped++;
	}
	return 0;
}

/* ctx[0]: number of records; ctx[1]: record size for perf targets (16..256); ctx[2]: target. */
SEC("raw_tp/sys_enter")
int emit_burst(u64 *ctx)
{
	struct burst_ctx b = { .ctx = ctx, .size = (u32)ctx[1], .target = (u32)ctx[2] };
	ringbuf_dropped = 0;
	perf_dropped = 0;
	bpf_loop((u32)ctx[0], emit_one, &b, 0);
	return 0;
}

/* emit_burst without bpf_loop, for kernels before 5.17: one record per run, so user space runs it once per record.
 * ctx[0]: 1 to emit a record, 0 not; ctx[1..2] as for emit_burst; ctx[3]: the record's index in the burst (0 resets the
 * counters, as emit_burst does). */
SEC("raw_tp/sys_enter")
int emit_burst_step(u64 *ctx)
{
	struct burst_ctx b = { .ctx = ctx, .size = (u32)ctx[1], .target = (u32)ctx[2] };
	if (ctx[3] == 0) {
		ringbuf_dropped = 0;
		perf_dropped = 0;
	}
	if (ctx[0])
		emit_one(0, &b);
	return 0;
}
